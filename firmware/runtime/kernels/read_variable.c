/* READ_VARIABLE: copies the resource variable named by input 0 into output 0 (resource.h). */
#include <string.h>

#include "resource.h"

static int prepare(rt_interp_t *rt, rt_node_t *node) {
  if (node->n_inputs != 1 || node->n_outputs != 1 || !rt_output(rt, node, 0))
    return rt_fail(rt, node, RUNTIME_E_MODEL, "READ_VARIABLE takes a handle and gives a value", "");
  return rt_resource_check_handle(rt, node, rt_input(rt, node, 0)) ? RUNTIME_E_MODEL : 0;
}

static int eval(rt_interp_t *rt, rt_node_t *node) {
  rt_tensor_t *out = rt_output(rt, node, 0);
  const rt_resource_t *res = rt_resource_for_eval(rt, node, rt_input(rt, node, 0), rt_bytes(out));
  if (!res) return RUNTIME_E_EVAL;
  memcpy(out->data, res->data, res->bytes);
  return 0;
}

RT_DEFINE_KERNEL(READ_VARIABLE, 143, 0, prepare, eval);

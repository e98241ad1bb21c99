/* ASSIGN_VARIABLE: copies input 1 into the resource variable named by input 0 (resource.h). */
#include <string.h>

#include "resource.h"

static int prepare(rt_interp_t *rt, rt_node_t *node) {
  rt_tensor_t *handle = rt_input(rt, node, 0), *value = rt_input(rt, node, 1);
  const rt_quant_t *value_q = rt_quant(rt, value);
  if (node->n_inputs != 2 || node->n_outputs != 0 || !value)
    return rt_fail(rt, node, RUNTIME_E_MODEL, "ASSIGN_VARIABLE takes a handle and a value", "");
  if (rt_resource_check_handle(rt, node, handle)) return RUNTIME_E_MODEL;
  /* As TFLM: the first assignment prepared with a known handle sizes the buffer and sets its fill. */
  rt_resource_t *res = rt_resource_bound(rt, node->subgraph, node->inputs[0]);
  if (res && !res->data) {
    res->bytes = rt_bytes(value);
    res->fill = value_q->scales ? (uint8_t)(int8_t)value_q->zero_point : 0;
    res->data = rt_persistent(rt, node, rt_bytes(value) ? rt_bytes(value) : 1);
    if (!res->data) return RUNTIME_E_ARENA;
    memset(res->data, res->fill, res->bytes);
  }
  return 0;
}

static int eval(rt_interp_t *rt, rt_node_t *node) {
  const rt_tensor_t *value = rt_input(rt, node, 1);
  rt_resource_t *res = rt_resource_for_eval(rt, node, rt_input(rt, node, 0), rt_bytes(value));
  if (!res) return RUNTIME_E_EVAL;
  memcpy(res->data, value->data, res->bytes);
  return 0;
}

RT_DEFINE_KERNEL(ASSIGN_VARIABLE, 144, 0, prepare, eval);

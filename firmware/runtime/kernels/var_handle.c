/* VAR_HANDLE: names a resource variable (resource.h); its output carries the resource's id. */
#include <string.h>

#include "resource.h"

static int prepare(rt_interp_t *rt, rt_node_t *node) {
  rt_tensor_t *out = rt_output(rt, node, 0);
  if (node->n_outputs != 1) return rt_fail(rt, node, RUNTIME_E_MODEL, "VAR_HANDLE takes exactly one output (the handle)", "");
  if (rt_resource_check_handle(rt, node, out)) return RUNTIME_E_MODEL;
  uint32_t container_len, name_len;
  const char *container = rt_opt_string(rt, node, 0, &container_len); /* VarHandleOptions.container */
  const char *name = rt_opt_string(rt, node, 1, &name_len);           /* VarHandleOptions.shared_name */
  if (!name) return rt_fail(rt, node, RUNTIME_E_MODEL, "VAR_HANDLE without a shared_name", "");
  rt_resource_t *res = rt_resource_find_or_create(rt, node, container, name);
  if (!res) return RUNTIME_E_ARENA;
  node->data = res;
  return rt_resource_bind(rt, node, node->subgraph, node->outputs[0], res);
}

static int eval(rt_interp_t *rt, rt_node_t *node) {
  const rt_resource_t *res = node->data;
  memcpy(rt_output(rt, node, 0)->data, &res->id, sizeof res->id);
  return 0;
}

/* runtime_reset(): back to the fill value, as TFLM's ResetAll (every handle of a resource does the same). */
static void reset(rt_interp_t *rt, rt_node_t *node) {
  (void)rt;
  rt_resource_t *res = node->data;
  if (res && res->data) memset(res->data, res->fill, res->bytes);
}

RT_DEFINE_KERNEL_WITH_RESET(VAR_HANDLE, 142, 0, prepare, eval, reset);

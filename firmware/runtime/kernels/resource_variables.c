/* Resource variables, as the TFLite converter emits them for internal-state streaming models:
 * VAR_HANDLE names a variable, READ_VARIABLE / ASSIGN_VARIABLE copy it out / in, and CALL_ONCE runs the
 * initialization subgraph on the first invoke. As in TFLM, runtime_reset() refills variables with the
 * zero point of the value assigned to them and does not run CALL_ONCE again (the same state whenever the
 * initial value is zero). Variables are resolved to their buffers at init, so eval is a memcpy. */
#include <string.h>

#include "kernel.h"

static int var_handle_prepare(rt_interp_t *rt, rt_node_t *node) {
  rt_tensor_t *out = rt_output(rt, node, 0);
  if (!out || (out->type != RUNTIME_RESOURCE && out->type != RUNTIME_INT32) || rt_bytes(out) < 4)
    return rt_fail(rt, node, RUNTIME_E_MODEL, "output must be a resource tensor", "");
  return 0;
}

static int var_handle_eval(rt_interp_t *rt, rt_node_t *node) {
  int32_t id = node->index; /* informative only: readers and writers resolved their buffer at init */
  memcpy(rt_output(rt, node, 0)->data, &id, 4);
  return 0;
}

static int read_prepare(rt_interp_t *rt, rt_node_t *node) {
  rt_tensor_t *out = rt_output(rt, node, 0);
  if (!out) return rt_fail(rt, node, RUNTIME_E_MODEL, "missing output", "");
  return rt_resource(rt, node, 0, rt_bytes(out), -1, &node->data);
}

static int read_eval(rt_interp_t *rt, rt_node_t *node) {
  rt_tensor_t *out = rt_output(rt, node, 0);
  memcpy(out->data, node->data, rt_bytes(out));
  return 0;
}

static int assign_prepare(rt_interp_t *rt, rt_node_t *node) {
  rt_tensor_t *value = rt_input(rt, node, 1);
  if (!value) return rt_fail(rt, node, RUNTIME_E_MODEL, "missing value", "");
  int fill = value->scales ? (int)(uint8_t)(int8_t)value->zero_point : 0;
  return rt_resource(rt, node, 0, rt_bytes(value), fill, &node->data);
}

static int assign_eval(rt_interp_t *rt, rt_node_t *node) {
  rt_tensor_t *value = rt_input(rt, node, 1);
  memcpy(node->data, value->data, rt_bytes(value));
  return 0;
}

typedef struct {
  int32_t subgraph;
  int32_t done;
} call_once_data_t;

static int call_once_prepare(rt_interp_t *rt, rt_node_t *node) {
  call_once_data_t *d = rt_persistent(rt, node, sizeof *d);
  if (!d) return RUNTIME_E_ARENA;
  node->data = d;
  d->subgraph = rt_opt_i32(rt, node, 0, -1);
  if (d->subgraph <= (int32_t)node->subgraph || !rt_tensor(rt, (unsigned)d->subgraph, 0))
    return rt_fail(rt, node, RUNTIME_E_MODEL, "bad init subgraph index", "");
  return 0;
}

static int call_once_eval(rt_interp_t *rt, rt_node_t *node) {
  call_once_data_t *d = node->data;
  if (d->done) return 0;
  d->done = 1;
  return rt_invoke_subgraph(rt, (unsigned)d->subgraph);
}

RT_DEFINE_KERNEL(VAR_HANDLE, 142, 0, var_handle_prepare, var_handle_eval);
RT_DEFINE_KERNEL(READ_VARIABLE, 143, 0, read_prepare, read_eval);
RT_DEFINE_KERNEL(ASSIGN_VARIABLE, 144, 0, assign_prepare, assign_eval);
RT_DEFINE_KERNEL(CALL_ONCE, 129, 0, call_once_prepare, call_once_eval);

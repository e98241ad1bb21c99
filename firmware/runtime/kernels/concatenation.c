/* CONCATENATION: byte copies along an axis (any element type). int8 inputs must share the output's
 * quantization, as TFLM requires. */
#include <string.h>

#include "kernel.h"

typedef struct {
  uint32_t outer;     /* product of dims before the axis */
  uint32_t out_inner; /* output bytes per outer step */
} concat_data_t;

static int prepare(rt_interp_t *rt, rt_node_t *node) {
  rt_tensor_t *out = rt_output(rt, node, 0);
  if (!out || node->n_inputs < 1) return rt_fail(rt, node, RUNTIME_E_MODEL, "missing tensor", "");
  int32_t axis = rt_opt_i32(rt, node, 0, 0);
  if (rt_opt_u8(rt, node, 1, RT_ACT_NONE) != RT_ACT_NONE)
    return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "fused activation", "");
  if (axis < 0) axis += out->rank;
  if (axis < 0 || axis >= (int32_t)out->rank) return rt_fail(rt, node, RUNTIME_E_MODEL, "axis out of range", "");
  concat_data_t *d = rt_persistent(rt, node, sizeof *d);
  if (!d) return RUNTIME_E_ARENA;
  node->data = d;
  d->outer = 1;
  for (int32_t i = 0; i < axis; i++) d->outer *= (uint32_t)out->dims[i];
  int32_t axis_sum = 0;
  for (unsigned k = 0; k < node->n_inputs; k++) {
    rt_tensor_t *in = rt_input(rt, node, k);
    if (!in || in->type != out->type || in->rank != out->rank)
      return rt_fail(rt, node, RUNTIME_E_MODEL, "inputs must match the output's type and rank", "");
    for (int32_t i = 0; i < (int32_t)out->rank; i++)
      if (i != axis && in->dims[i] != out->dims[i]) return rt_fail(rt, node, RUNTIME_E_MODEL, "shape mismatch", "");
    if ((out->type == RUNTIME_INT8 || out->type == RUNTIME_INT16) && out->scales &&
        (!in->scales || in->scales[0] != out->scales[0] || in->zero_point != out->zero_point))
      return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "inputs quantized differently from the output", "");
    axis_sum += in->dims[axis];
  }
  if (axis_sum != out->dims[axis]) return rt_fail(rt, node, RUNTIME_E_MODEL, "axis sizes do not add up", "");
  d->out_inner = d->outer ? rt_bytes(out) / d->outer : 0;
  return 0;
}

static int eval(rt_interp_t *rt, rt_node_t *node) {
  const concat_data_t *d = node->data;
  uint8_t *o = rt_output(rt, node, 0)->data;
  for (uint32_t i = 0; i < d->outer; i++) {
    for (unsigned k = 0; k < node->n_inputs; k++) {
      const rt_tensor_t *in = rt_input(rt, node, k);
      uint32_t n = rt_bytes(in) / d->outer;
      memcpy(o, (const uint8_t *)in->data + i * n, n);
      o += n;
    }
  }
  return 0;
}

RT_DEFINE_KERNEL(CONCATENATION, 2, 0, prepare, eval);

/* CONCATENATION: TFLM requires int8 inputs quantized exactly like the output, so it is a byte copy. */
#include <string.h>

#include "kernel.h"
#include "model.h"

typedef struct {
  uint32_t outer;      /* product of the dims before the axis */
  uint32_t elem_bytes; /* bytes of one element */
} concat_data_t;

static int prepare(rt_interp_t *rt, rt_node_t *node) {
  rt_tensor_t *out = rt_output(rt, node, 0);
  const rt_quant_t *out_q = rt_quant(rt, out);
  if (!out || node->n_inputs < 1) return rt_fail(rt, node, RUNTIME_E_MODEL, "missing tensor", "");
  int axis = rt_opt_i32(rt, node, 0, 0);
  if (rt_opt_u8(rt, node, 1, RT_ACT_NONE) != RT_ACT_NONE)
    return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "fused activation", "");
  if (axis < 0) axis += out->rank;
  if (axis < 0 || axis >= out->rank) return rt_fail(rt, node, RUNTIME_E_MODEL, "axis out of range", "");
  int32_t along = 0;
  for (unsigned i = 0; i < node->n_inputs; i++) {
    rt_tensor_t *in = rt_input(rt, node, i);
    const rt_quant_t *in_q = rt_quant(rt, in);
    if (!in || in->type != out->type || in->rank != out->rank)
      return rt_fail(rt, node, RUNTIME_E_MODEL, "inputs differ from the output in type or rank", "");
    for (int d = 0; d < out->rank; d++)
      if (d != axis && in->dims[d] != out->dims[d])
        return rt_fail(rt, node, RUNTIME_E_MODEL, "input shapes do not concatenate to the output", "");
    if (out->type == RUNTIME_INT8 || out->type == RUNTIME_INT16) {
      if (!in_q->scales || !out_q->scales || in_q->scales[0] != out_q->scales[0] ||
          in_q->zero_point != out_q->zero_point)
        return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "inputs quantized unlike the output", "");
    }
    along += in->dims[axis];
  }
  if (along != out->dims[axis]) return rt_fail(rt, node, RUNTIME_E_MODEL, "input shapes do not concatenate to the output", "");
  concat_data_t *d = rt_persistent(rt, node, sizeof *d);
  if (!d) return RUNTIME_E_ARENA;
  d->outer = 1;
  for (int i = 0; i < axis; i++) d->outer *= (uint32_t)out->dims[i];
  d->elem_bytes = rt_type_size(out->type);
  node->data = d;
  return 0;
}

static int eval(rt_interp_t *rt, rt_node_t *node) {
  const concat_data_t *d = node->data;
  rt_tensor_t *out = rt_output(rt, node, 0);
  uint8_t *o = out->data;
  for (uint32_t k = 0; k < d->outer; k++) {
    for (unsigned i = 0; i < node->n_inputs; i++) {
      const rt_tensor_t *in = rt_input(rt, node, i);
      uint32_t chunk = d->outer ? rt_bytes(in) / d->outer : 0;
      memcpy(o, (const uint8_t *)in->data + (size_t)k * chunk, chunk);
      o += chunk;
    }
  }
  return 0;
}

RT_DEFINE_KERNEL(CONCATENATION, 2, 0, prepare, eval);

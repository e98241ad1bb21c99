/* SPLIT: input 0 is the axis (a constant int32 scalar), input 1 the tensor, cut into equal outputs. */
#include <string.h>

#include "kernel.h"
#include "model.h"

typedef struct {
  uint32_t outer; /* product of the dims before the axis */
} split_data_t;

static int prepare(rt_interp_t *rt, rt_node_t *node) {
  rt_tensor_t *ax = rt_input(rt, node, 0), *in = rt_input(rt, node, 1);
  const rt_quant_t *in_q = rt_quant(rt, in);
  if (!ax || !in || node->n_outputs < 1) return rt_fail(rt, node, RUNTIME_E_MODEL, "missing tensor", "");
  if (!(ax->flags & RT_T_CONST) || ax->type != RUNTIME_INT32 || rt_elements(ax) != 1)
    return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "axis must be a constant int32 scalar", "");
  int32_t axis = *(const int32_t *)ax->data;
  if (axis < 0) axis += in->rank;
  if (axis < 0 || axis >= in->rank) return rt_fail(rt, node, RUNTIME_E_MODEL, "axis out of range", "");
  int32_t along = 0;
  for (unsigned i = 0; i < node->n_outputs; i++) {
    rt_tensor_t *out = rt_output(rt, node, i);
    const rt_quant_t *out_q = rt_quant(rt, out);
    if (!out || out->type != in->type || out->rank != in->rank)
      return rt_fail(rt, node, RUNTIME_E_MODEL, "outputs differ from the input in type or rank", "");
    for (int d = 0; d < in->rank; d++)
      if (d != axis && out->dims[d] != in->dims[d])
        return rt_fail(rt, node, RUNTIME_E_MODEL, "output shapes do not split the input", "");
    if (out->type == RUNTIME_INT8 && out_q->scales && in_q->scales &&
        (out_q->scales[0] != in_q->scales[0] || out_q->zero_point != in_q->zero_point))
      return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "outputs quantized unlike the input", "");
    along += out->dims[axis];
  }
  if (along != in->dims[axis]) return rt_fail(rt, node, RUNTIME_E_MODEL, "output shapes do not split the input", "");
  split_data_t *d = rt_persistent(rt, node, sizeof *d);
  if (!d) return RUNTIME_E_ARENA;
  d->outer = 1;
  for (int i = 0; i < axis; i++) d->outer *= (uint32_t)in->dims[i];
  node->data = d;
  return 0;
}

static int eval(rt_interp_t *rt, rt_node_t *node) {
  const split_data_t *d = node->data;
  const uint8_t *src = rt_input(rt, node, 1)->data;
  for (uint32_t k = 0; k < d->outer; k++) {
    for (unsigned i = 0; i < node->n_outputs; i++) {
      rt_tensor_t *out = rt_output(rt, node, i);
      uint32_t chunk = d->outer ? rt_bytes(out) / d->outer : 0;
      memcpy((uint8_t *)out->data + (size_t)k * chunk, src, chunk);
      src += chunk;
    }
  }
  return 0;
}

RT_DEFINE_KERNEL(SPLIT, 49, 0, prepare, eval);

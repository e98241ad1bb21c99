/* PAD and PADV2: constant paddings (int32 [rank, 2]), up to 5-D, any element type; int8 pads with the
 * output zero point (PAD) or the constant value (PADV2, quantized like the output), as TFLM. */
#include <string.h>

#include "kernel.h"
#include "model.h"

#define PAD_DIMS 5

typedef struct {
  int32_t in_dims[PAD_DIMS], before[PAD_DIMS], out_dims[PAD_DIMS];
  uint32_t elem_bytes;
  uint8_t has_value;
  uint8_t fill; /* the byte of an int8 output's zero point (no pad value) */
} pad_data_t;

static int prepare(rt_interp_t *rt, rt_node_t *node) {
  rt_tensor_t *in = rt_input(rt, node, 0), *pads = rt_input(rt, node, 1), *out = rt_output(rt, node, 0);
  const rt_quant_t *in_q = rt_quant(rt, in), *out_q = rt_quant(rt, out);
  rt_tensor_t *value = rt_input(rt, node, 2);
  const rt_quant_t *value_q = rt_quant(rt, value);
  if (!in || !pads || !out) return rt_fail(rt, node, RUNTIME_E_MODEL, "missing tensor", "");
  if (in->type != out->type || !rt_type_size(in->type) || in->rank != out->rank)
    return rt_fail(rt, node, RUNTIME_E_MODEL, "input and output differ in type or rank", "");
  if (in->rank > PAD_DIMS) return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "more than 5 dims", "");
  if (!(pads->flags & RT_T_CONST) || pads->type != RUNTIME_INT32 || rt_elements(pads) != 2u * in->rank)
    return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "paddings must be a constant int32 [rank, 2]", "");
  if (in->type == RUNTIME_INT8 && (!in_q->scales || !out_q->scales || in_q->scales[0] != out_q->scales[0] ||
                                   in_q->zero_point != out_q->zero_point))
    return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "input quantized unlike the output", "");
  if (value) {
    if (value->type != out->type || rt_elements(value) != 1)
      return rt_fail(rt, node, RUNTIME_E_MODEL, "pad value must be one element of the output type", "");
    if (out->type == RUNTIME_INT8 && (!value_q->scales || value_q->scales[0] != out_q->scales[0] ||
                                      value_q->zero_point != out_q->zero_point))
      return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "pad value quantized unlike the output", "");
  }
  pad_data_t *d = rt_persistent(rt, node, sizeof *d);
  if (!d) return RUNTIME_E_ARENA;
  node->data = d;
  const int32_t *p = pads->data;
  int lead = PAD_DIMS - in->rank;
  for (int i = 0; i < PAD_DIMS; i++) {
    if (i < lead) {
      d->in_dims[i] = d->out_dims[i] = 1;
      continue;
    }
    int a = i - lead;
    int32_t b = p[2 * a], e = p[2 * a + 1];
    if (b < 0 || e < 0) return rt_fail(rt, node, RUNTIME_E_MODEL, "negative padding", "");
    if ((int64_t)in->dims[a] + b + e != out->dims[a])
      return rt_fail(rt, node, RUNTIME_E_MODEL, "output shape does not match the paddings", "");
    d->in_dims[i] = in->dims[a];
    d->before[i] = b;
    d->out_dims[i] = out->dims[a];
  }
  d->elem_bytes = rt_type_size(in->type);
  d->has_value = value != 0;
  d->fill = out->type == RUNTIME_INT8 ? (uint8_t)(int8_t)out_q->zero_point : 0;
  return 0;
}

static int eval(rt_interp_t *rt, rt_node_t *node) {
  const pad_data_t *d = node->data;
  const rt_tensor_t *out_t = rt_output(rt, node, 0);
  const uint8_t *in = rt_input(rt, node, 0)->data;
  uint8_t *out = out_t->data;
  const uint32_t eb = d->elem_bytes, n = rt_elements(out_t);
  /* Fill with the pad value, then copy the input rows into place. */
  if (d->has_value) {
    const uint8_t *v = rt_input(rt, node, 2)->data;
    for (uint32_t i = 0; i < n; i++) memcpy(out + (size_t)i * eb, v, eb);
  } else {
    memset(out, d->fill, (size_t)n * eb);
  }
  const int32_t *id = d->in_dims, *od = d->out_dims, *b = d->before;
  size_t row = (size_t)id[4] * eb;
  int32_t n3 = id[3];
  if (b[4] == 0 && od[4] == id[4]) { /* the last dim unpadded: a whole row of dim 3 is one copy */
    row *= (size_t)n3;
    n3 = 1;
  }
  for (int32_t i0 = 0; i0 < id[0]; i0++)
    for (int32_t i1 = 0; i1 < id[1]; i1++)
      for (int32_t i2 = 0; i2 < id[2]; i2++)
        for (int32_t i3 = 0; i3 < n3; i3++) {
          size_t src = ((((size_t)i0 * id[1] + i1) * id[2] + i2) * id[3] + i3) * (size_t)id[4];
          size_t dst = (((((size_t)(i0 + b[0]) * od[1] + (i1 + b[1])) * od[2] + (i2 + b[2])) * od[3] + (i3 + b[3])) *
                        (size_t)od[4]) + (size_t)b[4];
          memcpy(out + dst * eb, in + src * eb, row);
        }
  return 0;
}

RT_DEFINE_KERNEL(PAD, 34, 0, prepare, eval);

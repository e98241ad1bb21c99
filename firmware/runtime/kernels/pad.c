/* PAD and PADV2 with constant paddings, up to 5-D, any element type; the fill is the output's zero
 * point for quantized tensors (PAD) or the given constant (PADV2). */
#include <string.h>

#include "kernel.h"

#define PAD_DIMS 5

typedef struct {
  int32_t before[PAD_DIMS], in_dims[PAD_DIMS], out_dims[PAD_DIMS];
  uint32_t elem;
  uint8_t fill[8];
} pad_data_t;

static int prepare(rt_interp_t *rt, rt_node_t *node) {
  rt_tensor_t *in = rt_input(rt, node, 0), *p = rt_input(rt, node, 1), *out = rt_output(rt, node, 0);
  rt_tensor_t *value = rt_input(rt, node, 2);
  if (!in || !p || !out) return rt_fail(rt, node, RUNTIME_E_MODEL, "missing tensor", "");
  if (!(p->flags & RT_T_CONST) || p->type != RUNTIME_INT32 || rt_elements(p) != 2u * in->rank)
    return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "paddings must be a constant int32 [rank, 2]", "");
  if (in->rank > PAD_DIMS || out->rank != in->rank || out->type != in->type)
    return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "rank above 5 or mismatched output", "");
  pad_data_t *d = rt_persistent(rt, node, sizeof *d);
  if (!d) return RUNTIME_E_ARENA;
  node->data = d;
  const int32_t *pv = p->data;
  int32_t shift = PAD_DIMS - in->rank;
  for (int32_t i = 0; i < PAD_DIMS; i++) {
    int32_t ax = i - shift;
    d->before[i] = ax >= 0 ? pv[2 * ax] : 0;
    d->in_dims[i] = ax >= 0 ? in->dims[ax] : 1;
    d->out_dims[i] = ax >= 0 ? out->dims[ax] : 1;
    int32_t after = ax >= 0 ? pv[2 * ax + 1] : 0;
    if (d->before[i] < 0 || after < 0 || d->in_dims[i] + d->before[i] + after != d->out_dims[i])
      return rt_fail(rt, node, RUNTIME_E_MODEL, "paddings do not match the output shape", "");
  }
  d->elem = rt_bytes(out) / (rt_elements(out) ? rt_elements(out) : 1);
  if (d->elem > sizeof d->fill) return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "element type", "");
  memset(d->fill, 0, sizeof d->fill);
  if (value) {
    if (value->type != out->type || rt_elements(value) != 1 || !(value->flags & RT_T_CONST))
      return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "pad value must be a constant scalar of the output type", "");
    memcpy(d->fill, value->data, d->elem);
  } else if (out->type == RUNTIME_INT8 || out->type == RUNTIME_UINT8) {
    d->fill[0] = (uint8_t)out->zero_point;
  } else if (out->type == RUNTIME_INT16) {
    int16_t z = (int16_t)out->zero_point;
    memcpy(d->fill, &z, 2);
  }
  return 0;
}

static int eval(rt_interp_t *rt, rt_node_t *node) {
  const pad_data_t *d = node->data;
  const uint8_t *in = rt_input(rt, node, 0)->data;
  uint8_t *o = rt_output(rt, node, 0)->data;
  const uint32_t es = d->elem;
  int32_t idx[PAD_DIMS];
  for (idx[0] = 0; idx[0] < d->out_dims[0]; idx[0]++)
    for (idx[1] = 0; idx[1] < d->out_dims[1]; idx[1]++)
      for (idx[2] = 0; idx[2] < d->out_dims[2]; idx[2]++)
        for (idx[3] = 0; idx[3] < d->out_dims[3]; idx[3]++)
          for (idx[4] = 0; idx[4] < d->out_dims[4]; idx[4]++) {
            int inside = 1;
            uint32_t src = 0;
            for (int k = 0; k < PAD_DIMS; k++) {
              int32_t i = idx[k] - d->before[k];
              inside &= i >= 0 && i < d->in_dims[k];
              src = src * (uint32_t)d->in_dims[k] + (uint32_t)i;
            }
            memcpy(o, inside ? in + src * es : d->fill, es);
            o += es;
          }
  return 0;
}

RT_DEFINE_KERNEL(PAD, 34, 0, prepare, eval);
const rt_kernel_t rt_kernel_PADV2 = {"PADV2", 60, 0, prepare, eval, 0};

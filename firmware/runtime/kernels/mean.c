/* MEAN, int8: TFLM's integer reduction, QuantizedMeanOrSum: the multiplier in_scale/out_scale with 1/count
 * folded in, applied to the zero-point-corrected sum. TFLM's sources special-case equal input/output
 * quantization (a truncating division), but the tflite-micro interpreter rounds there too (measured by
 * tests/test_runtime_ops_extra.py), so this one path serves both. Scratch holds the int32 sums. */
#include <string.h>

#include "kernel.h"
#include "quant.h"

#define MEAN_DIMS 6

typedef struct {
  int32_t dims[MEAN_DIMS], out_stride[MEAN_DIMS];
  uint32_t n_in, n_out, count;
  int32_t in_zp, out_zp, mult, shift;
} mean_data_t;

static int prepare(rt_interp_t *rt, rt_node_t *node) {
  rt_tensor_t *in = rt_input(rt, node, 0), *axes = rt_input(rt, node, 1), *out = rt_output(rt, node, 0);
  if (rt_expect_type(rt, node, in, RUNTIME_INT8, "input") || rt_expect_type(rt, node, out, RUNTIME_INT8, "output"))
    return RUNTIME_E_UNSUPPORTED;
  if (!axes || axes->type != RUNTIME_INT32 || !(axes->flags & RT_T_CONST))
    return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "axes must be a constant int32 tensor", "");
  if (in->rank > MEAN_DIMS || !in->scales || !out->scales)
    return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "rank above 6 or unquantized tensor", "");
  mean_data_t *d = rt_persistent(rt, node, sizeof *d);
  if (!d) return RUNTIME_E_ARENA;
  node->data = d;
  int reduced[MEAN_DIMS] = {0};
  const int32_t *ax = axes->data;
  for (uint32_t i = 0; i < rt_elements(axes); i++) {
    int32_t a = ax[i] < 0 ? ax[i] + in->rank : ax[i];
    if (a < 0 || a >= (int32_t)in->rank) return rt_fail(rt, node, RUNTIME_E_MODEL, "axis out of range", "");
    reduced[a] = 1;
  }
  int32_t pad = MEAN_DIMS - in->rank, stride = 1;
  d->count = 1;
  d->n_out = 1;
  for (int32_t i = MEAN_DIMS - 1; i >= 0; i--) {
    int32_t a = i - pad;
    d->dims[i] = a >= 0 ? in->dims[a] : 1;
    int r = a >= 0 && reduced[a];
    d->out_stride[i] = r ? 0 : stride;
    if (r) d->count *= (uint32_t)d->dims[i];
    else {
      stride *= d->dims[i];
      d->n_out *= (uint32_t)d->dims[i];
    }
  }
  d->n_in = rt_elements(in);
  if (d->n_out != rt_elements(out)) return rt_fail(rt, node, RUNTIME_E_MODEL, "output size mismatch", "");
  d->in_zp = in->zero_point;
  d->out_zp = out->zero_point;
  int shift;
  rt_quantize_multiplier((double)in->scales[0] / (double)out->scales[0], &d->mult, &shift);
  if (d->count > 0) {
    int s = 63 - __builtin_clzll((uint64_t)d->count);
    if (s > 32) s = 32;
    if (s > 31 + shift) s = 31 + shift;
    d->mult = (int32_t)(((int64_t)d->mult << s) / (int64_t)d->count);
    shift -= s;
  }
  d->shift = shift;
  return rt_request_scratch(rt, node, sizeof(int32_t) * d->n_out);
}

static int eval(rt_interp_t *rt, rt_node_t *node) {
  const mean_data_t *d = node->data;
  const int8_t *x = rt_input(rt, node, 0)->data;
  int8_t *y = rt_output(rt, node, 0)->data;
  int32_t *sum = node->scratch;
  memset(sum, 0, sizeof(int32_t) * d->n_out);
  int32_t idx[MEAN_DIMS] = {0};
  for (uint32_t i = 0; i < d->n_in; i++) {
    int32_t o = 0;
    for (int k = 0; k < MEAN_DIMS; k++) o += idx[k] * d->out_stride[k];
    sum[o] += x[i];
    for (int k = MEAN_DIMS - 1; k >= 0; k--) {
      if (++idx[k] < d->dims[k]) break;
      idx[k] = 0;
    }
  }
  for (uint32_t o = 0; o < d->n_out; o++) {
    int32_t v;
    if (d->count == 0) {
      v = 0;
    } else {
      v = rt_mbqm(sum[o] - d->in_zp * (int32_t)d->count, d->mult, d->shift) + d->out_zp;
    }
    y[o] = (int8_t)rt_clamp(v, INT8_MIN, INT8_MAX);
  }
  return 0;
}

RT_DEFINE_KERNEL(MEAN, 40, 0, prepare, eval);

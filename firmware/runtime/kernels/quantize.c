/* QUANTIZE: float -> int8/int16 (AffineQuantize) and int -> int requantization, as TFLM. */
#include "kernel.h"
#include "quant.h"

typedef struct {
  int32_t multiplier, shift;
  int32_t in_zp, out_zp, out_min, out_max;
  float scale;
  uint32_t n;
} quantize_data_t;

static int32_t out_limit(uint8_t type, int max) {
  switch (type) {
    case RUNTIME_INT8: return max ? INT8_MAX : INT8_MIN;
    case RUNTIME_UINT8: return max ? 255 : 0;
    case RUNTIME_INT16: return max ? INT16_MAX : INT16_MIN;
    default: return max ? INT32_MAX : INT32_MIN;
  }
}

static int prepare(rt_interp_t *rt, rt_node_t *node) {
  rt_tensor_t *in = rt_input(rt, node, 0), *out = rt_output(rt, node, 0);
  const rt_quant_t *out_q = rt_quant(rt, out), *in_q = rt_quant(rt, in);
  if (!in || !out) return rt_fail(rt, node, RUNTIME_E_MODEL, "missing tensor", "");
  if (in->type != RUNTIME_FLOAT32 && in->type != RUNTIME_INT8 && in->type != RUNTIME_INT16 && in->type != RUNTIME_UINT8)
    return rt_expect_type(rt, node, in, RUNTIME_INT8, "input");
  if (out->type != RUNTIME_INT8 && out->type != RUNTIME_INT16 && out->type != RUNTIME_INT32 && out->type != RUNTIME_UINT8)
    return rt_expect_type(rt, node, out, RUNTIME_INT8, "output");
  if (!out_q->scales || (in->type != RUNTIME_FLOAT32 && !in_q->scales) || rt_elements(in) != rt_elements(out))
    return rt_fail(rt, node, RUNTIME_E_MODEL, "unquantized tensor or shape mismatch", "");
  if (out_q->num_scales > 1) return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "per-channel quantize", "");
  quantize_data_t *d = rt_persistent(rt, node, sizeof *d);
  if (!d) return RUNTIME_E_ARENA;
  d->n = rt_elements(out);
  d->out_zp = out_q->zero_point;
  d->out_min = out_limit(out->type, 0);
  d->out_max = out_limit(out->type, 1);
  d->scale = out_q->scales[0];
  if (in->type != RUNTIME_FLOAT32) {
    int shift;
    if (rt_multiplier(rt, node, (double)in_q->scales[0] / (double)out_q->scales[0], &d->multiplier, &shift, "output"))
      return RUNTIME_E_UNSUPPORTED;
    d->shift = shift;
    d->in_zp = in_q->zero_point;
  }
  node->data = d;
  return 0;
}

static int32_t load(const void *p, uint8_t type, uint32_t i) {
  switch (type) {
    case RUNTIME_INT8: return ((const int8_t *)p)[i];
    case RUNTIME_UINT8: return ((const uint8_t *)p)[i];
    default: return ((const int16_t *)p)[i];
  }
}

static void store(void *p, uint8_t type, uint32_t i, int32_t v) {
  switch (type) {
    case RUNTIME_INT8: ((int8_t *)p)[i] = (int8_t)v; break;
    case RUNTIME_UINT8: ((uint8_t *)p)[i] = (uint8_t)v; break;
    case RUNTIME_INT16: ((int16_t *)p)[i] = (int16_t)v; break;
    default: ((int32_t *)p)[i] = v; break;
  }
}

static int eval(rt_interp_t *rt, rt_node_t *node) {
  const quantize_data_t *d = node->data;
  const rt_tensor_t *in = rt_input(rt, node, 0);
  rt_tensor_t *out = rt_output(rt, node, 0);
  if (in->type == RUNTIME_FLOAT32) {
    const float *x = in->data;
    for (uint32_t i = 0; i < d->n; i++) {
      /* TFLM rounds in float then converts; saturate first so huge values cannot overflow the cast. */
      float q = x[i] / d->scale;
      if (!(q > -2147483520.0f)) q = -2147483520.0f; /* also catches NaN */
      if (q > 2147483520.0f) q = 2147483520.0f;
      int64_t v = (int64_t)rt_round_f32(q) + d->out_zp;
      v = v < d->out_min ? d->out_min : (v > d->out_max ? d->out_max : v);
      store(out->data, out->type, i, (int32_t)v);
    }
  } else if (in->type == RUNTIME_INT16 && out->type == RUNTIME_INT8) {
    const int16_t *x = in->data;
    int8_t *y = out->data;
    for (uint32_t i = 0; i < d->n; i++)
      y[i] = (int8_t)rt_clamp(rt_mbqm(x[i] - d->in_zp, d->multiplier, d->shift) + d->out_zp, d->out_min, d->out_max);
  } else if (in->type == RUNTIME_INT8 && out->type == RUNTIME_INT8) {
    const int8_t *x = in->data;
    int8_t *y = out->data;
    for (uint32_t i = 0; i < d->n; i++)
      y[i] = (int8_t)rt_clamp(rt_mbqm(x[i] - d->in_zp, d->multiplier, d->shift) + d->out_zp, d->out_min, d->out_max);
  } else {
    for (uint32_t i = 0; i < d->n; i++) {
      int32_t v = rt_mbqm(load(in->data, in->type, i) - d->in_zp, d->multiplier, d->shift) + d->out_zp;
      store(out->data, out->type, i, rt_clamp(v, d->out_min, d->out_max));
    }
  }
  return 0;
}

RT_DEFINE_KERNEL(QUANTIZE, 114, 0, prepare, eval);

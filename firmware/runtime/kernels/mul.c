/* MUL: int8 (product rescaled by in1_scale * in2_scale / out_scale, TFLM's arithmetic) and float32. */
#include "elementwise.h"
#include "quant.h"

typedef struct {
  rt_bcast_t b;
  int32_t in1_offset, in2_offset, out_offset, mult, shift, act_min, act_max;
  float fmin, fmax;
} mul_data_t;

static int prepare(rt_interp_t *rt, rt_node_t *node) {
  rt_tensor_t *a = rt_input(rt, node, 0), *b = rt_input(rt, node, 1), *out = rt_output(rt, node, 0);
  mul_data_t *d = rt_persistent(rt, node, sizeof *d);
  if (!d) return RUNTIME_E_ARENA;
  node->data = d;
  int rc = rt_bcast_prepare(rt, node, a, b, out, &d->b);
  if (rc) return rc;
  if (a->type != out->type || b->type != out->type) return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "mixed types", "");
  int act = rt_opt_u8(rt, node, 0, RT_ACT_NONE);
  if (out->type == RUNTIME_FLOAT32) {
    d->fmin = act == RT_ACT_RELU || act == RT_ACT_RELU6 ? 0.0f : (act == RT_ACT_RELU_N1_TO_1 ? -1.0f : -3.4e38f);
    d->fmax = act == RT_ACT_RELU6 ? 6.0f : (act == RT_ACT_RELU_N1_TO_1 ? 1.0f : 3.4e38f);
    return 0;
  }
  if (rt_expect_type(rt, node, out, RUNTIME_INT8, "output")) return RUNTIME_E_UNSUPPORTED;
  if (!a->scales || !b->scales || !out->scales) return rt_fail(rt, node, RUNTIME_E_MODEL, "unquantized tensor", "");
  d->in1_offset = -a->zero_point;
  d->in2_offset = -b->zero_point;
  d->out_offset = out->zero_point;
  int s;
  rt_quantize_multiplier((double)a->scales[0] * (double)b->scales[0] / (double)out->scales[0], &d->mult, &s);
  d->shift = s;
  rt_activation_range(out, act, &d->act_min, &d->act_max);
  return 0;
}

static int eval(rt_interp_t *rt, rt_node_t *node) {
  const mul_data_t *d = node->data;
  const rt_tensor_t *a = rt_input(rt, node, 0), *b = rt_input(rt, node, 1);
  rt_tensor_t *out = rt_output(rt, node, 0);
  if (out->type == RUNTIME_FLOAT32) {
    const float *x = a->data, *y = b->data;
    float *o = out->data;
    RT_BCAST_FOR_EACH(&d->b, {
      float v = x[i1] * y[i2];
      o[ko] = v < d->fmin ? d->fmin : (v > d->fmax ? d->fmax : v);
    });
    return 0;
  }
  const int8_t *x = a->data, *y = b->data;
  int8_t *o = out->data;
  RT_BCAST_FOR_EACH(&d->b, {
    int32_t v = rt_mbqm((x[i1] + d->in1_offset) * (y[i2] + d->in2_offset), d->mult, d->shift) + d->out_offset;
    o[ko] = (int8_t)rt_clamp(v, d->act_min, d->act_max);
  });
  return 0;
}

RT_DEFINE_KERNEL(MUL, 18, 0, prepare, eval);

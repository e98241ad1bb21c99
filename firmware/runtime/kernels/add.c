/* ADD: int8 with TFLM's rescaling to a common scale (left shift 20), and float32; broadcasting. */
#include "elementwise.h"
#include "quant.h"

typedef struct {
  rt_bcast_t b;
  int32_t in1_offset, in2_offset, out_offset, left_shift;
  int32_t in1_mult, in1_shift, in2_mult, in2_shift, out_mult, out_shift, act_min, act_max;
  float fmin, fmax;
} add_data_t;

static void float_range(int act, float *lo, float *hi) {
  *lo = act == RT_ACT_RELU || act == RT_ACT_RELU6 ? 0.0f : (act == RT_ACT_RELU_N1_TO_1 ? -1.0f : -3.4e38f);
  *hi = act == RT_ACT_RELU6 ? 6.0f : (act == RT_ACT_RELU_N1_TO_1 ? 1.0f : 3.4e38f);
}

static int prepare(rt_interp_t *rt, rt_node_t *node) {
  rt_tensor_t *a = rt_input(rt, node, 0), *b = rt_input(rt, node, 1), *out = rt_output(rt, node, 0);
  add_data_t *d = rt_persistent(rt, node, sizeof *d);
  if (!d) return RUNTIME_E_ARENA;
  node->data = d;
  int rc = rt_bcast_prepare(rt, node, a, b, out, &d->b);
  if (rc) return rc;
  if (a->type != out->type || b->type != out->type) return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "mixed types", "");
  int act = rt_opt_u8(rt, node, 0, RT_ACT_NONE);
  if (out->type == RUNTIME_FLOAT32) {
    float_range(act, &d->fmin, &d->fmax);
    return 0;
  }
  if (rt_expect_type(rt, node, out, RUNTIME_INT8, "output")) return RUNTIME_E_UNSUPPORTED;
  if (!a->scales || !b->scales || !out->scales) return rt_fail(rt, node, RUNTIME_E_MODEL, "unquantized tensor", "");
  d->in1_offset = -a->zero_point;
  d->in2_offset = -b->zero_point;
  d->out_offset = out->zero_point;
  d->left_shift = 20;
  double twice_max = 2.0 * (double)(a->scales[0] > b->scales[0] ? a->scales[0] : b->scales[0]);
  int s;
  rt_quantize_multiplier((double)a->scales[0] / twice_max, &d->in1_mult, &s);
  d->in1_shift = s;
  rt_quantize_multiplier((double)b->scales[0] / twice_max, &d->in2_mult, &s);
  d->in2_shift = s;
  rt_quantize_multiplier(twice_max / ((double)(1 << d->left_shift) * (double)out->scales[0]), &d->out_mult, &s);
  d->out_shift = s;
  if (d->in1_shift > 0 || d->in2_shift > 0 || d->out_shift > 0)
    return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "scales give a multiplier above one", "");
  rt_activation_range(out, act, &d->act_min, &d->act_max);
  return 0;
}

static int eval(rt_interp_t *rt, rt_node_t *node) {
  const add_data_t *d = node->data;
  const rt_tensor_t *a = rt_input(rt, node, 0), *b = rt_input(rt, node, 1);
  rt_tensor_t *out = rt_output(rt, node, 0);
  if (out->type == RUNTIME_FLOAT32) {
    const float *x = a->data, *y = b->data;
    float *o = out->data;
    RT_BCAST_FOR_EACH(&d->b, {
      float v = x[i1] + y[i2];
      o[ko] = v < d->fmin ? d->fmin : (v > d->fmax ? d->fmax : v);
    });
    return 0;
  }
  const int8_t *x = a->data, *y = b->data;
  int8_t *o = out->data;
  RT_BCAST_FOR_EACH(&d->b, {
    int32_t v1 = rt_mbqm((x[i1] + d->in1_offset) * (1 << d->left_shift), d->in1_mult, d->in1_shift);
    int32_t v2 = rt_mbqm((y[i2] + d->in2_offset) * (1 << d->left_shift), d->in2_mult, d->in2_shift);
    int32_t v = rt_mbqm(v1 + v2, d->out_mult, d->out_shift) + d->out_offset;
    o[ko] = (int8_t)rt_clamp(v, d->act_min, d->act_max);
  });
  return 0;
}

RT_DEFINE_KERNEL(ADD, 0, 0, prepare, eval);

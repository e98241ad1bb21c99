/* LOGISTIC and TANH, int8: TFLM's reference_integer_ops (input rescaled to Q4.27, gemmlowp fixed-point
 * logistic / tanh, saturation outside the input radius); float32 through the C library is not offered. */
#include "kernel.h"
#include "quant.h"

typedef struct {
  int32_t zero_point, radius, multiplier, shift;
  uint32_t n;
} act_data_t;

enum { INPUT_INTEGER_BITS = 4 };

static int prepare_common(rt_interp_t *rt, rt_node_t *node, int32_t out_zp, float out_scale) {
  rt_tensor_t *in = rt_input(rt, node, 0), *out = rt_output(rt, node, 0);
  if (rt_expect_type(rt, node, in, RUNTIME_INT8, "input") || rt_expect_type(rt, node, out, RUNTIME_INT8, "output"))
    return RUNTIME_E_UNSUPPORTED;
  if (!in->scales || !out->scales || rt_elements(in) != rt_elements(out))
    return rt_fail(rt, node, RUNTIME_E_MODEL, "unquantized tensor or shape mismatch", "");
  float err = out->scales[0] > out_scale ? out->scales[0] - out_scale : out_scale - out->scales[0];
  if (out->zero_point != out_zp || err > out_scale * 0.001f)
    return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "output quantization must be TFLM's fixed one", "");
  act_data_t *d = rt_persistent(rt, node, sizeof *d);
  if (!d) return RUNTIME_E_ARENA;
  node->data = d;
  /* frexp + round, exactly as TFLM spells it here (no renormalisation of a mantissa rounding to 1.0) */
  double real = (double)in->scales[0] * (double)(1 << (31 - INPUT_INTEGER_BITS));
  int shift;
  rt_quantize_multiplier(real, &d->multiplier, &shift);
  d->shift = shift;
  if (shift < 0 || shift > 31) return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "input scale out of range", "");
  double radius = 1.0 * ((1 << INPUT_INTEGER_BITS) - 1) * (double)(1ll << (31 - INPUT_INTEGER_BITS)) /
                  (double)(1ll << shift);
  d->radius = (int32_t)radius; /* floor: positive */
  d->zero_point = in->zero_point;
  d->n = rt_elements(in);
  return 0;
}

static int logistic_prepare(rt_interp_t *rt, rt_node_t *node) { return prepare_common(rt, node, -128, 1.0f / 256); }
static int tanh_prepare(rt_interp_t *rt, rt_node_t *node) { return prepare_common(rt, node, 0, 1.0f / 128); }

static int32_t logistic_q0(int32_t a) { /* gemmlowp::logistic on Q4.27 -> Q0.31 */
  if (a == 0) return 1 << 30;
  int32_t abs_a = a > 0 ? a : -a;
  int32_t pos = rt_one_over_one_plus_x_for_x_in_0_1(rt_exp_on_negative_values(-abs_a, INPUT_INTEGER_BITS));
  return a > 0 ? pos : INT32_MAX - pos;
}

static int32_t tanh_q0(int32_t a) { /* gemmlowp::tanh on Q4.27 -> Q0.31 */
  if (a == 0) return 0;
  int32_t n = a < 0 ? a : -a;
  /* exp(2n): the same raw value read as Q5.26 */
  int32_t e = rt_exp_on_negative_values(n, INPUT_INTEGER_BITS + 1);
  int64_t sum = (int64_t)e + INT32_MAX;
  int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
  int32_t x = 1515870810 + rt_srdhm(half_denominator, -1010580540);
  for (int i = 0; i < 3; i++) {
    int32_t one_minus = (1 << 29) - rt_srdhm(half_denominator, x);
    x = x + rt_sat_shl(rt_srdhm(x, one_minus), 2);
  }
  int32_t t = rt_sat_shl(x - (1 << 29), 2);
  return a < 0 ? -t : t;
}

static int logistic_eval(rt_interp_t *rt, rt_node_t *node) {
  const act_data_t *d = node->data;
  const int8_t *x = rt_input(rt, node, 0)->data;
  int8_t *y = rt_output(rt, node, 0)->data;
  for (uint32_t i = 0; i < d->n; i++) {
    int32_t v = x[i] - d->zero_point;
    if (v <= -d->radius) {
      y[i] = INT8_MIN;
    } else if (v >= d->radius) {
      y[i] = INT8_MAX;
    } else {
      int32_t q = rt_rdbypot(logistic_q0(rt_mbqm(v, d->multiplier, d->shift)), 31 - 8);
      y[i] = (int8_t)rt_clamp(q - 128, INT8_MIN, INT8_MAX);
    }
  }
  return 0;
}

static int tanh_eval(rt_interp_t *rt, rt_node_t *node) {
  const act_data_t *d = node->data;
  const int8_t *x = rt_input(rt, node, 0)->data;
  int8_t *y = rt_output(rt, node, 0)->data;
  for (uint32_t i = 0; i < d->n; i++) {
    int32_t v = x[i] - d->zero_point;
    if (v <= -d->radius) {
      y[i] = INT8_MIN;
    } else if (v >= d->radius) {
      y[i] = INT8_MAX;
    } else {
      int32_t q = rt_rdbypot(tanh_q0(rt_mbqm(v, d->multiplier, d->shift)), 31 - 7);
      y[i] = (int8_t)rt_clamp(q, INT8_MIN, INT8_MAX);
    }
  }
  return 0;
}

RT_DEFINE_KERNEL(LOGISTIC, 14, 0, logistic_prepare, logistic_eval);
RT_DEFINE_KERNEL(TANH, 28, 0, tanh_prepare, tanh_eval);

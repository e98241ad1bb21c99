/* gemmlowp's logistic and tanh on Q4.27 inputs, and the int8 input rescaling of TFLM (sigmoid_q.h). */
#include "quant.h"
#include "sigmoid_q.h"

int rt_sigmoid_q_prepare(rt_interp_t *rt, rt_node_t *node, rt_sigmoid_q_t *d, int32_t out_zero_point,
                         float out_scale) {
  rt_tensor_t *in = rt_input(rt, node, 0), *out = rt_output(rt, node, 0);
  const rt_quant_t *in_q = rt_quant(rt, in), *out_q = rt_quant(rt, out);
  if (rt_expect_type(rt, node, in, RUNTIME_INT8, "input") || rt_expect_type(rt, node, out, RUNTIME_INT8, "output"))
    return RUNTIME_E_UNSUPPORTED;
  if (!in_q->scales || !out_q->scales) return rt_fail(rt, node, RUNTIME_E_MODEL, "unquantized tensor", "");
  if (rt_elements(in) != rt_elements(out)) return rt_fail(rt, node, RUNTIME_E_MODEL, "input and output sizes differ", "");
  if (out_q->zero_point != out_zero_point || out_q->scales[0] != out_scale)
    return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "output quantization other than TFLM's fixed one", "");
  int shift;
  if (rt_multiplier(rt, node, (double)in_q->scales[0] * (double)(1 << 27), &d->multiplier, &shift, "input"))
    return RUNTIME_E_UNSUPPORTED;
  if (shift < 0 || d->multiplier == 0) return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "input scale too small", "");
  d->shift = shift;
  /* floor(15 * 2^27 / 2^shift): TFLM's CalculateInputRadius(4, shift, 31) */
  d->radius = shift > 31 ? 0 : (int32_t)((15u << 27) >> shift);
  d->zero_point = in_q->zero_point;
  return 0;
}

static int32_t rounding_half_sum(int32_t a, int32_t b) {
  int64_t sum = (int64_t)a + b;
  return (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
}

int32_t rt_logistic_q0(int32_t x) {
  if (x == 0) return 1 << 30;
  int32_t ax = x > 0 ? x : -x;
  int32_t pos = rt_one_over_one_plus_x_for_x_in_0_1(rt_exp_on_negative_values(-ax, 4));
  return x > 0 ? pos : INT32_MAX - pos;
}

/* (1 - x) / (1 + x) for x in [0, 1], Newton-Raphson in Q2.29 as gemmlowp. */
static int32_t one_minus_x_over_one_plus_x(int32_t a) {
  const int32_t one_q2 = 1 << 29;
  int32_t half_den = rounding_half_sum(a, INT32_MAX);
  int32_t x = 1515870810 + rt_srdhm(half_den, -1010580540);
  for (int i = 0; i < 3; i++) {
    int32_t one_minus = one_q2 - rt_srdhm(half_den, x);
    x = x + rt_sat_shl(rt_srdhm(x, one_minus), 2);
  }
  return rt_sat_shl(x - one_q2, 2);
}

int32_t rt_tanh_q0(int32_t x) {
  if (x == 0) return 0;
  int32_t n = x < 0 ? x : -x; /* -|x| in Q4.27; doubling it is reading it as Q5.26 */
  int32_t t = one_minus_x_over_one_plus_x(rt_exp_on_negative_values(n, 5));
  return x < 0 ? -t : t;
}

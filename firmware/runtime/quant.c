/* Quantization parameters and gemmlowp-style fixed point, computed exactly as TFLM computes them
 * (doubles where TFLM uses doubles, std::round semantics for TfLiteRound). */
#include "quant.h"

#include <string.h>

/* frexp + std::round on the bits of the double, so the runtime needs no libm: q * 2^31 is exact in
 * double, and rounding its 53-bit mantissa to 31 bits half away from zero is an integer add and shift. */
void rt_quantize_multiplier(double real, int32_t *multiplier, int *shift) {
  uint64_t bits;
  memcpy(&bits, &real, sizeof bits);
  int biased = (int)((bits >> 52) & 0x7FF);
  if (real <= 0.0 || biased == 0 || biased == 0x7FF) { /* zero, negative, subnormal, inf, NaN */
    *multiplier = 0;
    *shift = 0;
    return;
  }
  uint64_t mantissa = (bits & ((1ull << 52) - 1)) | (1ull << 52); /* q = mantissa / 2^53 in [0.5, 1) */
  int exp = biased - 1022;
  int64_t q_fixed = (int64_t)((mantissa + (1ull << 21)) >> 22);
  if (q_fixed == (1ll << 31)) {
    q_fixed /= 2;
    ++exp;
  }
  if (exp < -31) {
    exp = 0;
    q_fixed = 0;
  }
  *multiplier = (int32_t)q_fixed;
  *shift = exp;
}

int rt_multiplier(rt_interp_t *rt, const rt_node_t *node, double real, int32_t *multiplier, int *shift,
                  const char *what) {
  rt_quantize_multiplier(real, multiplier, shift);
  if (*shift < -31 || *shift > 31) return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "quantization scale out of range: ", what);
  return 0;
}

int32_t rt_mbqm64(int64_t x, int32_t multiplier, int shift) {
  int32_t reduced = multiplier < 0x7FFF0000 ? ((multiplier + (1 << 15)) >> 16) : 0x7FFF;
  int total_shift = 15 - shift;
  int64_t round_bit = (int64_t)1 << (total_shift - 1);
  int64_t result = x * (int64_t)reduced + round_bit;
  return (int32_t)(result >> total_shift);
}

static int32_t q_act(int32_t zp, float v) {
  int64_t q = (int64_t)zp + rt_round_f32(v);
  return q > INT32_MAX ? INT32_MAX : q < INT32_MIN ? INT32_MIN : (int32_t)q;
}

void rt_activation_range(const rt_interp_t *rt, const rt_tensor_t *out, int activation, int32_t *act_min,
                         int32_t *act_max) {
  const rt_quant_t *out_q = rt_quant(rt, out);
  int32_t qmin = out->type == RUNTIME_INT16 ? INT16_MIN : (out->type == RUNTIME_UINT8 ? 0 : INT8_MIN);
  int32_t qmax = out->type == RUNTIME_INT16 ? INT16_MAX : (out->type == RUNTIME_UINT8 ? 255 : INT8_MAX);
  float scale = out_q->scales ? out_q->scales[0] : 1.0f;
  int32_t zp = out_q->zero_point;
  /* zp + round(f / scale) in 64 bits, clamped to int32: a tiny scale must not overflow it. */
#define RT_Q(f) q_act(zp, (f) / scale)
  *act_min = qmin;
  *act_max = qmax;
  if (activation == RT_ACT_RELU) {
    *act_min = RT_Q(0.0f) > qmin ? RT_Q(0.0f) : qmin;
  } else if (activation == RT_ACT_RELU6) {
    *act_min = RT_Q(0.0f) > qmin ? RT_Q(0.0f) : qmin;
    *act_max = RT_Q(6.0f) < qmax ? RT_Q(6.0f) : qmax;
  } else if (activation == RT_ACT_RELU_N1_TO_1) {
    *act_min = RT_Q(-1.0f) > qmin ? RT_Q(-1.0f) : qmin;
    *act_max = RT_Q(1.0f) < qmax ? RT_Q(1.0f) : qmax;
  }
#undef RT_Q
}

int rt_channel_multipliers(rt_interp_t *rt, rt_node_t *node, const rt_tensor_t *in, const rt_tensor_t *filter,
                           const rt_tensor_t *out, uint32_t channels, int32_t **multipliers, int8_t **shifts) {
  const rt_quant_t *in_q = rt_quant(rt, in), *filter_q = rt_quant(rt, filter), *out_q = rt_quant(rt, out);
  if (!in_q->scales || !filter_q->scales || !out_q->scales)
    return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "input, filter and output must be quantized", "");
  if (filter_q->num_scales != 1 && filter_q->num_scales != channels)
    return rt_fail(rt, node, RUNTIME_E_MODEL, "filter scales do not match the output channels", "");
  /* Per-tensor quantization needs one multiplier: kernels index with rt_channel(c, step). */
  if (filter_q->num_scales == 1) channels = 1;
  /* Shifts fit in a byte (QuantizeMultiplier keeps them in [-31, 31]); storing them so saves 3 bytes a
   * channel of arena. */
  int32_t *m = rt_persistent(rt, node, (sizeof(int32_t) + 1u) * channels);
  if (!m) return RUNTIME_E_ARENA;
  int8_t *s = (int8_t *)(m + channels);
  for (uint32_t c = 0; c < channels; c++) {
    double fs = (double)filter_q->scales[filter_q->num_scales == 1 ? 0 : c];
    double real = (double)in_q->scales[0] * fs / (double)out_q->scales[0];
    int sh;
    if (rt_multiplier(rt, node, real, &m[c], &sh, "output")) return RUNTIME_E_UNSUPPORTED;
    s[c] = (int8_t)sh;
  }
  *multipliers = m;
  *shifts = s;
  return 0;
}

static int32_t exp_on_interval_between_negative_one_quarter_and_0_excl(int32_t a) {
  const int32_t constant_term = 1895147668;     /* exp(-1/8) in Q0.31 */
  const int32_t constant_1_over_3 = 715827883;  /* 1/3 in Q0.31 */
  int32_t x = a + (1 << 28);                    /* a + 1/8 */
  int32_t x2 = rt_srdhm(x, x);
  int32_t x3 = rt_srdhm(x2, x);
  int32_t x4 = rt_srdhm(x2, x2);
  int32_t x4_over_4 = rt_rdbypot(x4, 2);
  int32_t poly = rt_rdbypot(rt_srdhm(x4_over_4 + x3, constant_1_over_3) + x2, 1);
  return constant_term + rt_srdhm(constant_term, x + poly);
}

int32_t rt_exp_on_negative_values(int32_t a, int integer_bits) {
  const int frac = 31 - integer_bits;
  const int32_t one_quarter = (int32_t)1 << (frac - 2);
  const int32_t mask = one_quarter - 1;
  const int32_t a_mod_quarter_minus_one_quarter = (a & mask) - one_quarter;
  int32_t rescaled = integer_bits > 0 ? rt_sat_shl(a_mod_quarter_minus_one_quarter, integer_bits)
                                      : a_mod_quarter_minus_one_quarter;
  int32_t result = exp_on_interval_between_negative_one_quarter_and_0_excl(rescaled);
  const int32_t remainder = a_mod_quarter_minus_one_quarter - a;
  /* exp(-2^e) in Q0.31 for e = -2..4: multiply in each bit of the remainder. */
  static const int32_t barrel[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
  for (int e = -2; e <= 4; e++) {
    if (integer_bits > e) {
      int sh = frac + e;
      if (remainder & ((int32_t)1 << sh)) result = rt_srdhm(result, barrel[e + 2]);
    }
  }
  if (integer_bits > 5) {
    int32_t clamp = -((int32_t)1 << (36 - integer_bits)); /* -32.0 */
    if (a < clamp) result = 0;
  }
  if (a == 0) result = INT32_MAX;
  return result;
}

int32_t rt_one_over_one_plus_x_for_x_in_0_1(int32_t a) {
  int64_t sum = (int64_t)a + INT32_MAX;
  int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
  const int32_t c48_over_17 = 1515870810;      /* Q2.29 */
  const int32_t cneg32_over_17 = -1010580540;  /* Q2.29 */
  int32_t x = c48_over_17 + rt_srdhm(half_denominator, cneg32_over_17);
  for (int i = 0; i < 3; i++) {
    int32_t half_denominator_times_x = rt_srdhm(half_denominator, x);
    int32_t one_minus = (1 << 29) - half_denominator_times_x;
    x = x + rt_sat_shl(rt_srdhm(x, one_minus), 2);
  }
  return rt_sat_shl(x, 1);
}

int32_t rt_get_reciprocal(int32_t x, int x_integer_digits, int *num_bits_over_unit) {
  int headroom_plus_one = x ? __builtin_clz((uint32_t)x) : 32;
  if (headroom_plus_one >= 32) headroom_plus_one = 31;
  *num_bits_over_unit = x_integer_digits - headroom_plus_one;
  int32_t shifted_sum_minus_one = (int32_t)(((uint32_t)x << headroom_plus_one) - ((uint32_t)1 << 31));
  return rt_one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one);
}

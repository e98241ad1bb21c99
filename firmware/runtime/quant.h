/* TFLM's integer arithmetic, rounding for rounding: the kernels are bit-exact only if these are.
 * (TFLM builds without TFLITE_SINGLE_ROUNDING, so MultiplyByQuantizedMultiplier rounds twice.) */
#ifndef HARK_RUNTIME_QUANT_H
#define HARK_RUNTIME_QUANT_H

#include <stdint.h>

#include "kernel.h"

static inline int32_t rt_srdhm(int32_t a, int32_t b) {
  /* SaturatingRoundingDoublingHighMul. gemmlowp adds a sign-dependent nudge and divides truncating
   * toward zero; adding 2^30 and shifting (floor) gives the same result for every product, since
   * -floor((k - 1 + 2^30) / 2^31) == -ceil((k - 2^30) / 2^31) == floor((2^30 - k) / 2^31), and it
   * compiles to SMULL/SMLAL plus a shift instead of a 64-bit signed division. */
  if (a == b && a == INT32_MIN) return INT32_MAX;
  return (int32_t)(((int64_t)a * (int64_t)b + (1 << 30)) >> 31);
}

static inline int32_t rt_rdbypot(int32_t x, int exponent) {
  /* RoundingDivideByPOT: round half away from zero */
  int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
  int32_t remainder = x & mask;
  int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

static inline int32_t rt_mbqm(int32_t x, int32_t multiplier, int shift) {
  /* MultiplyByQuantizedMultiplier */
  int left = shift > 0 ? shift : 0;
  int right = shift > 0 ? 0 : -shift;
  return rt_rdbypot(rt_srdhm((int32_t)((uint32_t)x << left), multiplier), right);
}

/* The int64 variant TFLM uses for 16x8 kernels. */
int32_t rt_mbqm64(int64_t x, int32_t multiplier, int shift);

/* QuantizeMultiplier(double): multiplier in Q31 and a power-of-two shift. */
void rt_quantize_multiplier(double real, int32_t *multiplier, int *shift);
/* The same for a kernel's prepare: a shift outside [-31, 31] (a hostile or degenerate scale) would make
 * rt_mbqm shift by 32 or more, undefined in C and different on host and Cortex-M, so it is refused with
 * "op N (NAME): quantization scale out of range: <what>". Returns 0 or RUNTIME_E_UNSUPPORTED. */
int rt_multiplier(rt_interp_t *rt, const rt_node_t *node, double real, int32_t *multiplier, int *shift,
                  const char *what);

/* CalculateActivationRangeQuantized for an int8/int16 output tensor. */
void rt_activation_range(const rt_interp_t *rt, const rt_tensor_t *out, int activation, int32_t *act_min,
                         int32_t *act_max);

/* Output multipliers for conv-like ops: real[c] = in_scale * filter_scale[c] / out_scale, in double as TFLM
 * computes it; one entry per channel, or a single entry when the filter is quantized per tensor (then
 * index them with multipliers[c * step], step = filter->num_scales > 1). */
int rt_channel_multipliers(rt_interp_t *rt, rt_node_t *node, const rt_tensor_t *in, const rt_tensor_t *filter,
                           const rt_tensor_t *out, uint32_t channels, int32_t **multipliers, int8_t **shifts);

/* gemmlowp fixed point, for softmax and the LSTM/logistic/tanh families. */
static inline int32_t rt_sat_shl(int32_t x, int exponent) {
  /* SaturatingRoundingMultiplyByPOT with a positive exponent */
  int32_t threshold = (int32_t)(((int64_t)1 << (31 - exponent)) - 1);
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return (int32_t)((uint32_t)x << exponent); /* NOLINT(clang-analyzer-core.UndefinedBinaryOperatorResult): unsigned */
}
int32_t rt_exp_on_negative_values(int32_t a, int integer_bits);
int32_t rt_one_over_one_plus_x_for_x_in_0_1(int32_t a);
int32_t rt_get_reciprocal(int32_t x, int x_integer_digits, int *num_bits_over_unit);

/* roundf (half away from zero) to int32, without libm. Outside int32's range (and for NaN) the cast
 * would be undefined: such values saturate, as Cortex-M's VCVT does, and NaN gives 0. */
static inline int32_t rt_round_f32(float x) {
  if (!(x > -2147483648.0f)) return x != x ? 0 : INT32_MIN;
  if (!(x < 2147483648.0f)) return INT32_MAX;
  int32_t t = (int32_t)x; /* truncates toward zero; x - t is exact */
  float diff = x - (float)t;
  if (diff >= 0.5f) t++;
  if (diff <= -0.5f) t--;
  return t;
}

static inline int32_t rt_clamp(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

#endif

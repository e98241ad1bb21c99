/* Requantization for the DSP twins: TFLM's MultiplyByQuantizedMultiplier (rt_mbqm) in five instructions
 * (LSL, SMMULR, ADD, SUB, ASR) for the nodes where prepare has proven that short form exact:
 *  - every shift is a right shift (shift <= -1), so there is no left shift and RoundingDivideByPOT's
 *    rounding term is 2^(r-1) - (s < 0);
 *  - every accumulator stays below 2^30 in magnitude (|bias| + depth * 128 * 255), so 2 * acc fits and
 *    SMMULR(2 * acc, m) = (2 acc m + 2^31) >> 32 = (acc m + 2^30) >> 31 is SaturatingRoundingDoublingHighMul
 *    (whose saturation needs m == INT32_MIN, which QuantizeMultiplier never yields), and s + 2^(r-1)
 *    cannot overflow.
 * Other nodes use rt_mbqm as the portable kernels do. */
#ifndef HARK_RUNTIME_ARM_REQUANT_H
#define HARK_RUNTIME_ARM_REQUANT_H

#include <stdint.h>

#include "dsp.h"
#include "quant.h"

#if defined(__ARM_FEATURE_DSP) && defined(__ARM_FEATURE_SIMD32)
static inline int32_t rt_smmulr(int32_t a, int32_t b) {
  int32_t r;
  __asm("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
  return r;
}
#else
static inline int32_t rt_smmulr(int32_t a, int32_t b) {
  return (int32_t)(((int64_t)a * (int64_t)b + (int64_t)0x80000000) >> 32);
}
#endif

/* clamp(v, -128, 127) in one SSAT: the whole activation range of an int8 output whose activation
 * (none, or a ReLU whose zero point is -128) does not narrow it. */
static inline int32_t rt_sat8(int32_t v) {
#if defined(__ARM_FEATURE_DSP) && defined(__ARM_FEATURE_SIMD32)
  return __ssat(v, 8);
#else
  return v < -128 ? -128 : (v > 127 ? 127 : v);
#endif
}

/* rt_mbqm(acc, m, -r) for 1 <= r <= 31 and |acc| < 2^30 (see above). */
static inline int32_t rt_mbqm_short(int32_t acc, int32_t m, int32_t r) {
  int32_t s = rt_smmulr((int32_t)((uint32_t)acc << 1), m);
  return (s + (int32_t)(1u << (r - 1)) - (int32_t)((uint32_t)s >> 31)) >> r;
}

/* rt_mbqm(acc, m, -r) for every acc, 0 <= m < 2^31 and 1 <= r <= 31, with no precondition on the node:
 * s = (acc m + 2^30) >> 31 and RoundingDivideByPOT's (s + 2^(r-1) - (s < 0)) >> r nest into one shift
 * of a 64-bit sum, floor(floor(q / 2^31) + c) / 2^r) = floor((q + c 2^31) / 2^(31+r)), and s < 0 exactly
 * when q = acc m + 2^30 < 0. Nothing overflows: |q| < 2^62 + 2^30 and c 2^31 <= 2^61. */
static inline int32_t rt_mbqm_right(int32_t acc, int32_t m, int32_t r) {
  int64_t q = (int64_t)acc * m + ((int64_t)1 << 30);
  q += ((int64_t)1 << (30 + r)) - (q < 0 ? ((int64_t)1 << 31) : 0);
  return (int32_t)(q >> 32) >> (r - 1);
}

/* Whether rt_mbqm_short is exact for a node: its `n_shift` shifts, its bias (NULL: none, `n_bias`
 * values) and the number of int8 products summed into each accumulator. */
static inline int rt_mbqm_short_ok(const int8_t *shift, uint32_t n_shift, const int32_t *bias, uint32_t n_bias,
                                   uint32_t products) {
  for (uint32_t c = 0; c < n_shift; c++)
    if (shift[c] > -1) return 0;
  int64_t bmax = 0;
  for (uint32_t c = 0; bias && c < n_bias; c++) {
    int64_t b = bias[c] < 0 ? -(int64_t)bias[c] : bias[c];
    if (b > bmax) bmax = b;
  }
  return bmax + (int64_t)products * 128 * 255 < ((int64_t)1 << 30);
}

#endif

/* The Cortex-M DSP-extension intrinsics the twins use: ACLE's on ARM (arm_acle.h, no CMSIS), and
 * bit-exact C versions elsewhere so the host can build and test the very same kernel code. */
#ifndef HARK_RUNTIME_DSP_H
#define HARK_RUNTIME_DSP_H

#include <stdint.h>
#include <string.h>

#if defined(__ARM_FEATURE_DSP) && defined(__ARM_FEATURE_SIMD32)
#include <arm_acle.h>
#define RT_SXTB16(x) __sxtb16(x)
#define RT_SXTAB16(a, x) __sxtab16((a), (x))
#define RT_SMLAD(a, b, acc) __smlad((a), (b), (acc))
#define RT_SMLABB(a, b, acc) __smlabb((a), (b), (acc))
#define RT_SMLABT(a, b, acc) __smlabt((a), (b), (acc))
#define RT_SMLATB(a, b, acc) __smlatb((a), (b), (acc))
#define RT_SMLATT(a, b, acc) __smlatt((a), (b), (acc))
#else
static inline int32_t rt_lo16(int32_t x) { return (int16_t)(uint16_t)((uint32_t)x & 0xFFFFu); }
static inline int32_t rt_hi16(int32_t x) { return (int16_t)(uint16_t)((uint32_t)x >> 16); }
static inline int32_t rt_pack16(int32_t lo, int32_t hi) {
  return (int32_t)(((uint32_t)hi << 16) | ((uint32_t)lo & 0xFFFFu));
}
/* Bytes 0 and 2 sign-extended to the two halfwords. */
static inline int32_t RT_SXTB16(int32_t x) {
  return rt_pack16((int8_t)(uint8_t)((uint32_t)x & 0xFF), (int8_t)(uint8_t)(((uint32_t)x >> 16) & 0xFF));
}
/* Halfword-wise a + SXTB16(x), each lane wrapping to 16 bits. */
static inline int32_t RT_SXTAB16(int32_t a, int32_t x) {
  int32_t e = RT_SXTB16(x);
  return rt_pack16(rt_lo16(a) + rt_lo16(e), rt_hi16(a) + rt_hi16(e));
}
/* The products are exact; the accumulation wraps as the instruction does (the Q flag is not modelled). */
static inline int32_t RT_SMLAD(int32_t a, int32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)(rt_lo16(a) * rt_lo16(b)) + (uint32_t)(rt_hi16(a) * rt_hi16(b)));
}
static inline int32_t RT_SMLABB(int32_t a, int32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)(rt_lo16(a) * rt_lo16(b)));
}
static inline int32_t RT_SMLABT(int32_t a, int32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)(rt_lo16(a) * rt_hi16(b)));
}
static inline int32_t RT_SMLATB(int32_t a, int32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)(rt_hi16(a) * rt_lo16(b)));
}
static inline int32_t RT_SMLATT(int32_t a, int32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)(rt_hi16(a) * rt_hi16(b)));
}
#endif

static inline int32_t rt_ror8(int32_t x) { return (int32_t)(((uint32_t)x >> 8) | ((uint32_t)x << 24)); }

#if defined(__ARM_FEATURE_DSP) && defined(__ARM_FEATURE_SIMD32)
/* GCC neither folds the rotation into SXTB16/SXTAB16 nor emits PKHBT/PKHTB from C: spell them out. */
static inline int32_t RT_SXTB16_ROR8(int32_t x) {
  int32_t r;
  __asm("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
  return r;
}
static inline int32_t RT_SXTAB16_ROR8(int32_t a, int32_t x) {
  int32_t r;
  __asm("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(x));
  return r;
}
/* (lo(a), lo(b)) and (hi(a), hi(b)) as halfword pairs */
static inline int32_t rt_pack_lo(int32_t a, int32_t b) {
  int32_t r;
  __asm("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(a), "r"(b));
  return r;
}
static inline int32_t rt_pack_hi(int32_t a, int32_t b) {
  int32_t r;
  __asm("pkhtb %0, %2, %1, asr #16" : "=r"(r) : "r"(a), "r"(b));
  return r;
}
#else
#define RT_SXTB16_ROR8(x) RT_SXTB16(rt_ror8(x))
#define RT_SXTAB16_ROR8(a, x) RT_SXTAB16((a), rt_ror8(x))
static inline int32_t rt_pack_lo(int32_t a, int32_t b) {
  return (int32_t)(((uint32_t)a & 0xFFFFu) | ((uint32_t)b << 16));
}
static inline int32_t rt_pack_hi(int32_t a, int32_t b) {
  return (int32_t)(((uint32_t)a >> 16) | ((uint32_t)b & 0xFFFF0000u));
}
#endif

/* An unaligned little-endian word load (one LDR on Cortex-M4). */
static inline int32_t rt_load32(const void *p) {
  int32_t v;
  memcpy(&v, p, 4);
  return v;
}

/* The input word of taps ix .. ix+3 of a row of `in_w` >= 4 values, bytes outside the row replaced by the
 * zero point (`pad4`); 0 when all four are outside (the block adds nothing and is skipped). */
static inline int rt_window_word(const int8_t *row, int32_t ix, int32_t in_w, uint32_t pad4, int32_t *xw) {
  if (ix >= 0 && ix + 4 <= in_w) {
    *xw = rt_load32(row + ix);
  } else if (ix + 4 <= 0 || ix >= in_w) {
    return 0;
  } else if (ix < 0) {
    const uint32_t keep = 8u * (uint32_t)-ix;
    *xw = (int32_t)(((uint32_t)rt_load32(row) << keep) | (pad4 & ((1u << keep) - 1u)));
  } else {
    const uint32_t drop = 8u * (uint32_t)(ix + 4 - in_w);
    *xw = (int32_t)(((uint32_t)rt_load32(row + in_w - 4) >> drop) | (pad4 & ~(0xFFFFFFFFu >> drop)));
  }
  return 1;
}

#endif

/* Packed 16-bit arithmetic for the frontend's hot loops (internal to the module).
 *
 * On a core with the DSP extension (Cortex-M4/M7/M33) these are single instructions from
 * arm_acle.h. Elsewhere (the host build, which the Python binding and the bit-exactness tests use)
 * they are plain C with the same results, so the host runs the same algorithm the board runs.
 * A word holds a complex int16 as kissfft stores it: real in bits 0-15, imaginary in 16-31. */
#ifndef HARK_FRONTEND_DSP_H
#define HARK_FRONTEND_DSP_H

#include <stdint.h>
#include <string.h>

#include "frontend.h"

static inline uint32_t cpx_load(const frontend_cpx_t *p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}
static inline void cpx_store(frontend_cpx_t *p, uint32_t v) { memcpy(p, &v, sizeof v); }

static inline int32_t lo16(uint32_t x) { return (int16_t)(x & 0xFFFFu); }
static inline int32_t hi16(uint32_t x) { return (int16_t)(x >> 16); }
static inline uint32_t pack16(int32_t lo, int32_t hi) { return ((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16); }

#if defined(__ARM_FEATURE_DSP)
#include <arm_acle.h>
static inline uint32_t dsp_sadd16(uint32_t a, uint32_t b) { return (uint32_t)__sadd16((int32_t)a, (int32_t)b); }
static inline uint32_t dsp_ssub16(uint32_t a, uint32_t b) { return (uint32_t)__ssub16((int32_t)a, (int32_t)b); }
static inline uint32_t dsp_sasx(uint32_t a, uint32_t b) { return (uint32_t)__sasx((int32_t)a, (int32_t)b); }
static inline uint32_t dsp_ssax(uint32_t a, uint32_t b) { return (uint32_t)__ssax((int32_t)a, (int32_t)b); }
static inline uint32_t dsp_shadd16(uint32_t a, uint32_t b) { return (uint32_t)__shadd16((int32_t)a, (int32_t)b); }
static inline uint32_t dsp_shsub16(uint32_t a, uint32_t b) { return (uint32_t)__shsub16((int32_t)a, (int32_t)b); }
static inline int32_t dsp_smlabb(uint32_t a, uint32_t b, int32_t acc) { return __smlabb((int32_t)a, (int32_t)b, acc); }
static inline int32_t dsp_smlatb(uint32_t a, uint32_t b, int32_t acc) { return __smlatb((int32_t)a, (int32_t)b, acc); }
static inline int32_t dsp_smlsd(uint32_t a, uint32_t b, int32_t acc) { return __smlsd((int32_t)a, (int32_t)b, acc); }
static inline int32_t dsp_smladx(uint32_t a, uint32_t b, int32_t acc) { return __smladx((int32_t)a, (int32_t)b, acc); }
static inline uint32_t dsp_smuad(uint32_t a, uint32_t b) { return (uint32_t)__smuad((int32_t)a, (int32_t)b); }
#else
/* Halfword results wrap modulo 2^16 and 32-bit sums modulo 2^32, exactly as the instructions do
 * (the Q flag they may set is never read). */
static inline uint32_t dsp_sadd16(uint32_t a, uint32_t b) { return pack16(lo16(a) + lo16(b), hi16(a) + hi16(b)); }
static inline uint32_t dsp_ssub16(uint32_t a, uint32_t b) { return pack16(lo16(a) - lo16(b), hi16(a) - hi16(b)); }
static inline uint32_t dsp_sasx(uint32_t a, uint32_t b) { return pack16(lo16(a) - hi16(b), hi16(a) + lo16(b)); }
static inline uint32_t dsp_ssax(uint32_t a, uint32_t b) { return pack16(lo16(a) + hi16(b), hi16(a) - lo16(b)); }
static inline uint32_t dsp_shadd16(uint32_t a, uint32_t b) {
  return pack16((lo16(a) + lo16(b)) >> 1, (hi16(a) + hi16(b)) >> 1);
}
static inline uint32_t dsp_shsub16(uint32_t a, uint32_t b) {
  return pack16((lo16(a) - lo16(b)) >> 1, (hi16(a) - hi16(b)) >> 1);
}
static inline int32_t dsp_smlabb(uint32_t a, uint32_t b, int32_t acc) {
  return (int32_t)((uint32_t)(lo16(a) * lo16(b)) + (uint32_t)acc);
}
static inline int32_t dsp_smlatb(uint32_t a, uint32_t b, int32_t acc) {
  return (int32_t)((uint32_t)(hi16(a) * lo16(b)) + (uint32_t)acc);
}
static inline int32_t dsp_smlsd(uint32_t a, uint32_t b, int32_t acc) {
  return (int32_t)((uint32_t)(lo16(a) * lo16(b)) - (uint32_t)(hi16(a) * hi16(b)) + (uint32_t)acc);
}
static inline int32_t dsp_smladx(uint32_t a, uint32_t b, int32_t acc) {
  return (int32_t)((uint32_t)(lo16(a) * hi16(b)) + (uint32_t)(hi16(a) * lo16(b)) + (uint32_t)acc);
}
static inline uint32_t dsp_smuad(uint32_t a, uint32_t b) {
  return (uint32_t)(lo16(a) * lo16(b)) + (uint32_t)(hi16(a) * hi16(b));
}
#endif

/* ((a * b) + 2^31) >> 32 for a, b < 2^31: SMMULR on the M4. The twin is signed as SMMULR is, so an
 * operand reaching 2^31 fails on the host too. */
static inline uint32_t dsp_smmulr(uint32_t a, uint32_t b) {
#if defined(__ARM_FEATURE_DSP)
  uint32_t out;
  __asm__("smmulr %0, %1, %2" : "=r"(out) : "r"(a), "r"(b));
  return out;
#else
  return (uint32_t)(int32_t)(((int64_t)(int32_t)a * (int32_t)b + 0x80000000ll) >> 32); /* SMMULR's signed product */
#endif
}

/* SMULWB and SMULWT: (a * the low or high half of b, signed) >> 16, the top 32 bits of the 48-bit
 * product (an arithmetic shift, so the floor). */
static inline int32_t dsp_smulwb(int32_t a, uint32_t b) {
#if defined(__ARM_FEATURE_DSP)
  int32_t out;
  __asm__("smulwb %0, %1, %2" : "=r"(out) : "r"(a), "r"(b));
  return out;
#else
  return (int32_t)(((int64_t)a * lo16(b)) >> 16);
#endif
}

static inline int32_t dsp_smulwt(int32_t a, uint32_t b) {
#if defined(__ARM_FEATURE_DSP)
  int32_t out;
  __asm__("smulwt %0, %1, %2" : "=r"(out) : "r"(a), "r"(b));
  return out;
#else
  return (int32_t)(((int64_t)a * hi16(b)) >> 16);
#endif
}

/* Both halves' magnitudes, packed: |-32768| is 0x8000, the only result with bit 15 set. SSUB16 from
 * zero sets the GE flag of each half that is <= 0, and SEL takes the negation there (one asm block,
 * so nothing can come between the two). */
static inline uint32_t dsp_abs16(uint32_t a) {
#if defined(__ARM_FEATURE_DSP)
  uint32_t out, neg; /* SEL reads before it writes, so out may share a register with a */
  __asm__("ssub16 %1, %2, %3\n\tsel %0, %1, %3" : "=r"(out), "=&r"(neg) : "r"(0u), "r"(a) : "cc");
  return out;
#else
  const int32_t l = lo16(a), h = hi16(a);
  return ((uint32_t)(l < 0 ? -l : l) & 0xFFFFu) | ((uint32_t)(h < 0 ? -h : h) << 16);
#endif
}

/* One packed pair of the window: ((x * c) >> 12) per half. PKHBT takes bits 12-27 of the high
 * product, which is the high result (it fits int16). */
static inline uint32_t window_pair(uint32_t x, uint32_t c) {
#if defined(__ARM_FEATURE_DSP)
  const int32_t plo = (lo16(x) * lo16(c)) >> 12; /* SMULBB */
  const int32_t phi = hi16(x) * hi16(c); /* SMULTT */
  uint32_t out;
  __asm__("pkhbt %0, %1, %2, lsl #4" : "=r"(out) : "r"(plo), "r"(phi));
  return out;
#else
  return pack16((lo16(x) * lo16(c)) >> 12, (hi16(x) * hi16(c)) >> 12);
#endif
}

/* PKHTB(hi, lo, ASR #n): hi's top half over the low half of lo >> n (n = 15 or 16, an immediate in
 * the instruction, so each value has its own asm; inlined with a constant n, one remains). */
static inline uint32_t pkhtb_asr(uint32_t hi, int32_t lo, int n) {
#if defined(__ARM_FEATURE_DSP)
  uint32_t out;
  if (n == 15) {
    __asm__("pkhtb %0, %1, %2, asr #15" : "=r"(out) : "r"(hi), "r"(lo));
  } else {
    __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(out) : "r"(hi), "r"(lo));
  }
  return out;
#else
  return (hi & 0xFFFF0000u) | ((uint32_t)(lo >> n) & 0xFFFFu);
#endif
}

/* Two Q15 results (32-bit, before >> 15) back into one packed word: (lo >> 15) in the low half,
 * (hi >> 15) in the high half, i.e. PKHTB(hi << 1, lo, ASR #15), which GCC does not find itself. */
static inline uint32_t pack_q15(int32_t lo, int32_t hi) { return pkhtb_asr((uint32_t)hi << 1, lo, 15); }

/* The top halves of two 32-bit values as one packed word, (lo >> 16) low and (hi >> 16) high. */
static inline uint32_t pack_top16(int32_t lo, int32_t hi) { return pkhtb_asr((uint32_t)hi, lo, 16); }

/* The low half of lo with the high half of hi: PKHBT. */
static inline uint32_t pkhbt(uint32_t lo, uint32_t hi) {
#if defined(__ARM_FEATURE_DSP)
  uint32_t out;
  __asm__("pkhbt %0, %1, %2" : "=r"(out) : "r"(lo), "r"(hi));
  return out;
#else
  return (lo & 0xFFFFu) | (hi & 0xFFFF0000u);
#endif
}

#endif

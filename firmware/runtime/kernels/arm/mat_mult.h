/* The inner product of the DSP convolution twins: two int8 filter rows against two int16 columns that
 * are interleaved per group of four values as A(k, k+2) A(k+1, k+3) B(k, k+2) B(k+1, k+3). A filter word
 * unpacks with SXTB16 into lanes (k, k+2) and with SXTB16 ROR 8 into (k+1, k+3), matching the column
 * words, so every SMLAD does two MACs and each unpacked filter word serves both columns. On the M4 the
 * loop is written out (two groups per iteration: 2 LDM, 4 LDR, 8 SXTB16, 16 SMLAD, CMP, BNE for 32 MACs)
 * because GCC spills its pointers; elsewhere it is the same arithmetic in C. */
#ifndef HARK_RUNTIME_ARM_MAT_MULT_H
#define HARK_RUNTIME_ARM_MAT_MULT_H

#include <stdint.h>

#include "dsp.h"

/* One group of four values; advances the pointers. */
static inline void rt_mm2x2_group(const int32_t **cw, const int8_t **wa, const int8_t **wb, int32_t *a0,
                                  int32_t *a1, int32_t *b0, int32_t *b1) {
  const int32_t *c = *cw;
  int32_t xa02 = c[0], xa13 = c[1], xb02 = c[2], xb13 = c[3];
  int32_t w = rt_load32(*wa), w02 = RT_SXTB16(w), w13 = RT_SXTB16_ROR8(w);
  *a0 = RT_SMLAD(xa13, w13, RT_SMLAD(xa02, w02, *a0));
  *b0 = RT_SMLAD(xb13, w13, RT_SMLAD(xb02, w02, *b0));
  w = rt_load32(*wb);
  w02 = RT_SXTB16(w);
  w13 = RT_SXTB16_ROR8(w);
  *a1 = RT_SMLAD(xa13, w13, RT_SMLAD(xa02, w02, *a1));
  *b1 = RT_SMLAD(xb13, w13, RT_SMLAD(xb02, w02, *b1));
  *cw = c + 4;
  *wa += 4;
  *wb += 4;
}

/* `groups` groups: a0/b0 accumulate row wa against columns A/B, a1/b1 row wb. */
static inline void rt_mm2x2_q15(const int32_t **cw, const int8_t **wa, const int8_t **wb, int32_t groups,
                                int32_t *a0, int32_t *a1, int32_t *b0, int32_t *b1) {
  if (groups & 1) rt_mm2x2_group(cw, wa, wb, a0, a1, b0, b1);
  groups >>= 1;
  if (groups <= 0) return;
#if defined(__ARM_FEATURE_DSP) && defined(__ARM_FEATURE_SIMD32)
  {
    /* LDM fills registers in ascending order: pin the four column words. */
    register int32_t x0 __asm("r8");
    register int32_t x1 __asm("r9");
    register int32_t x2 __asm("r10");
    register int32_t x3 __asm("r11");
    int32_t s0 = *a0, s1 = *a1, t0 = *b0, t1 = *b1, w, u;
    const int32_t *c = *cw, *end = c + 8 * groups;
    const int8_t *pa = *wa, *pb = *wb;
#define RT_MM2X2_ASM_GROUP                        \
  "ldmia %[c]!, {%[x0], %[x1], %[x2], %[x3]}\n\t" \
  "ldr %[w], [%[pa]], #4\n\t"                     \
  "sxtb16 %[u], %[w]\n\t"                         \
  "sxtb16 %[w], %[w], ror #8\n\t"                 \
  "smlad %[s0], %[x0], %[u], %[s0]\n\t"           \
  "smlad %[t0], %[x2], %[u], %[t0]\n\t"           \
  "smlad %[s0], %[x1], %[w], %[s0]\n\t"           \
  "smlad %[t0], %[x3], %[w], %[t0]\n\t"           \
  "ldr %[w], [%[pb]], #4\n\t"                     \
  "sxtb16 %[u], %[w]\n\t"                         \
  "sxtb16 %[w], %[w], ror #8\n\t"                 \
  "smlad %[s1], %[x0], %[u], %[s1]\n\t"           \
  "smlad %[t1], %[x2], %[u], %[t1]\n\t"           \
  "smlad %[s1], %[x1], %[w], %[s1]\n\t"           \
  "smlad %[t1], %[x3], %[w], %[t1]\n\t"
    __asm volatile("1:\n\t" RT_MM2X2_ASM_GROUP RT_MM2X2_ASM_GROUP
                   "cmp %[c], %[end]\n\t"
                   "bne 1b\n\t"
                   : [s0] "+r"(s0), [s1] "+r"(s1), [t0] "+r"(t0), [t1] "+r"(t1), [c] "+r"(c), [pa] "+r"(pa),
                     [pb] "+r"(pb), [x0] "=&r"(x0), [x1] "=&r"(x1), [x2] "=&r"(x2), [x3] "=&r"(x3), [w] "=&r"(w),
                     [u] "=&r"(u)
                   : [end] "r"(end)
                   : "cc", "memory");
#undef RT_MM2X2_ASM_GROUP
    *a0 = s0;
    *a1 = s1;
    *b0 = t0;
    *b1 = t1;
    *cw = c;
    *wa = pa;
    *wb = pb;
  }
#else
  for (int32_t g = 0; g < 2 * groups; g++) rt_mm2x2_group(cw, wa, wb, a0, a1, b0, b1);
#endif
}

#endif

/* The real FFT of the frontend, twice: a plain reference and the packed fast path it checks.
 *
 * Both have with the arithmetic of kissfft's int16 build (FIXED_POINT=16,
 * the build TF's op uses): every stage divides by its radix with rounding, products round from
 * Q15, and every sum wraps to int16 where kissfft stores an int16. The data flow is kissfft's
 * (decimation in time, radix 4 then 2), run as an iterative loop over stages on a buffer whose
 * slots were loaded in kissfft's digit-reversed order, so each butterfly sees the same operands.
 * The fast path keeps each complex value in one 32-bit word and uses packed 16-bit operations
 * (single DSP instructions on the M4, see frontend_dsp.h) whose wrap-around equals kissfft's. */
#include "frontend.h"
#include "frontend_dsp.h"

static inline int16_t wrap16(int32_t x) { return (int16_t)x; /* two's complement wrap, as kissfft's stores */ }

/* kissfft's sround(): Q15 product back to int16, rounding half up. */
static inline int16_t round_q15(int32_t x) { return (int16_t)((x + (1 << 14)) >> 15); }

/* C_FIXDIV(c, k): multiply by (32767 / k) in Q15. */
static inline frontend_cpx_t fixdiv(frontend_cpx_t c, int32_t q15) {
  frontend_cpx_t out = {round_q15((int32_t)c.r * q15), round_q15((int32_t)c.i * q15)};
  return out;
}

static inline frontend_cpx_t cmul(frontend_cpx_t a, frontend_cpx_t b) {
  frontend_cpx_t out = {round_q15((int32_t)a.r * b.r - (int32_t)a.i * b.i),
                        round_q15((int32_t)a.r * b.i + (int32_t)a.i * b.r)};
  return out;
}

static inline frontend_cpx_t cadd(frontend_cpx_t a, frontend_cpx_t b) {
  frontend_cpx_t out = {wrap16((int32_t)a.r + b.r), wrap16((int32_t)a.i + b.i)};
  return out;
}

static inline frontend_cpx_t csub(frontend_cpx_t a, frontend_cpx_t b) {
  frontend_cpx_t out = {wrap16((int32_t)a.r - b.r), wrap16((int32_t)a.i - b.i)};
  return out;
}

#define DIV2_Q15 (32767 / 2)
#define DIV4_Q15 (32767 / 4)

static void butterfly2(frontend_cpx_t *f, const frontend_cpx_t *tw, int32_t fstride, int32_t m) {
  for (int32_t j = 0; j < m; j++) {
    const frontend_cpx_t a = fixdiv(f[j], DIV2_Q15);
    const frontend_cpx_t b = fixdiv(f[j + m], DIV2_Q15);
    const frontend_cpx_t t = cmul(b, tw[j * fstride]);
    f[j + m] = csub(a, t);
    f[j] = cadd(a, t);
  }
}

/* `st`: the stage's twiddles as fe->stage_twiddles holds them, for each j: tw[j fs], tw[3j fs], tw[2j fs]
 * (kissfft's table itself is kept only when a radix-2 stage needs it). */
static void butterfly4(frontend_cpx_t *f, const frontend_cpx_t *st, int32_t m) {
  for (int32_t j = 0; j < m; j++) {
    frontend_cpx_t f0 = fixdiv(f[j], DIV4_Q15);
    const frontend_cpx_t f1 = fixdiv(f[j + m], DIV4_Q15);
    const frontend_cpx_t f2 = fixdiv(f[j + 2 * m], DIV4_Q15);
    const frontend_cpx_t f3 = fixdiv(f[j + 3 * m], DIV4_Q15);
    const frontend_cpx_t s0 = cmul(f1, st[3 * j]);
    const frontend_cpx_t s1 = cmul(f2, st[3 * j + 2]);
    const frontend_cpx_t s2 = cmul(f3, st[3 * j + 1]);
    const frontend_cpx_t s5 = csub(f0, s1);
    f0 = cadd(f0, s1);
    const frontend_cpx_t s3 = cadd(s0, s2);
    const frontend_cpx_t s4 = csub(s0, s2);
    f[j + 2 * m] = csub(f0, s3);
    f[j] = cadd(f0, s3);
    f[j + m].r = wrap16((int32_t)s5.r + s4.i);
    f[j + m].i = wrap16((int32_t)s5.i - s4.r);
    f[j + 3 * m].r = wrap16((int32_t)s5.r - s4.i);
    f[j + 3 * m].i = wrap16((int32_t)s5.i + s4.r);
  }
}

static inline int16_t scaled_sample(const int16_t *windowed, int32_t index, int32_t size, int32_t shift) {
  /* The op's (int16)((uint16)x << shift): the window's peak lands just below full scale. */
  return index < size ? (int16_t)((uint16_t)windowed[index] << shift) : 0;
}

void frontend_fft_reference(frontend_t *fe, const int16_t *windowed, int32_t shift) {
  frontend_cpx_t *buf = fe->fft;
  const int32_t n = fe->fft_size / 2; /* complex points: real input packed as (even, odd) pairs */
  for (int32_t s = 0; s < n; s++) {
    const int32_t j = fe->fft_order[s];
    buf[s].r = scaled_sample(windowed, 2 * j, fe->window_size, shift);
    buf[s].i = scaled_sample(windowed, 2 * j + 1, fe->window_size, shift);
  }
  const frontend_cpx_t *st = fe->stage_twiddles;
  for (int32_t stage = fe->num_factors - 1; stage >= 0; stage--) {
    const int32_t p = fe->factors[2 * stage], m = fe->factors[2 * stage + 1];
    const int32_t fstride = n / (p * m);
    for (int32_t g = 0; g < fstride; g++) {
      if (p == 4) {
        butterfly4(buf + g * p * m, st, m);
      } else {
        butterfly2(buf + g * p * m, fe->twiddles, fstride, m);
      }
    }
    if (p == 4) st += 3 * m;
  }
  /* kiss_fftr: split the packed transform into the spectrum of the real signal, in place
   * (bins k and n-k are read before either is written). */
  const frontend_cpx_t dc = fixdiv(buf[0], DIV2_Q15);
  buf[n].r = wrap16((int32_t)dc.r - dc.i);
  buf[n].i = 0;
  buf[0].r = wrap16((int32_t)dc.r + dc.i);
  buf[0].i = 0;
  for (int32_t k = 1; k <= n / 2; k++) {
    const frontend_cpx_t fpk = fixdiv(buf[k], DIV2_Q15);
    frontend_cpx_t conj = buf[n - k];
    conj.i = wrap16(-(int32_t)conj.i);
    const frontend_cpx_t fpnk = fixdiv(conj, DIV2_Q15);
    const frontend_cpx_t f1k = cadd(fpk, fpnk);
    const frontend_cpx_t f2k = csub(fpk, fpnk);
    const frontend_cpx_t tw = cmul(f2k, fe->super_twiddles[k - 1]);
    buf[k].r = wrap16(((int32_t)f1k.r + tw.r) >> 1);
    buf[k].i = wrap16(((int32_t)f1k.i + tw.i) >> 1);
    buf[n - k].r = wrap16(((int32_t)f1k.r - tw.r) >> 1);
    buf[n - k].i = wrap16(((int32_t)tw.i - f1k.i) >> 1);
  }
}

/* ---- Fast path ---------------------------------------------------------------------------- */

/* C_FIXDIV on both halves. (x * q + 2^14) >> 15 is computed as (x * 2q + 2^15) >> 16, the same
 * integer (2q still fits a halfword for q <= 16383, and no sum reaches 2^31), so the two results are
 * the top halves of their words and one PKHTB packs them, with no shift. */
static inline uint32_t fixdiv_packed(uint32_t x, uint32_t q15) {
  return pack_top16(dsp_smlabb(x, 2 * q15, 1 << 15), dsp_smlatb(x, 2 * q15, 1 << 15));
}

static inline uint32_t cmul_packed(uint32_t a, uint32_t b) {
  return pack_q15(dsp_smlsd(a, b, 1 << 14), dsp_smladx(a, b, 1 << 14));
}

/* One radix-4 butterfly on f[0], f[m], f[2m], f[3m] with twiddles w1..w3 (j != 0). */
static inline void butterfly4_at(frontend_cpx_t *f, int32_t m, uint32_t w1, uint32_t w2, uint32_t w3) {
  uint32_t a0 = fixdiv_packed(cpx_load(f), DIV4_Q15);
  const uint32_t s0 = cmul_packed(fixdiv_packed(cpx_load(f + m), DIV4_Q15), w1);
  const uint32_t s1 = cmul_packed(fixdiv_packed(cpx_load(f + 2 * m), DIV4_Q15), w2);
  const uint32_t s2 = cmul_packed(fixdiv_packed(cpx_load(f + 3 * m), DIV4_Q15), w3);
  const uint32_t s5 = dsp_ssub16(a0, s1);
  a0 = dsp_sadd16(a0, s1);
  const uint32_t s3 = dsp_sadd16(s0, s2);
  const uint32_t s4 = dsp_ssub16(s0, s2);
  cpx_store(f + 2 * m, dsp_ssub16(a0, s3));
  cpx_store(f, dsp_sadd16(a0, s3));
  cpx_store(f + m, dsp_ssax(s5, s4));
  cpx_store(f + 3 * m, dsp_sasx(s5, s4));
}

/* A whole radix-4 stage, group by group as kissfft runs it: in each group starting at f, butterflies
 * j = 0 .. m-1 with the stage's twiddles st (for each j: w1 = tw[j fs], w3 = tw[3j fs], w2 =
 * tw[2j fs]). At j = 0 the twiddles are (32767, 0), whose products are exact on C_FIXDIV's outputs
 * (|components| <= 16383 round back to themselves): the C twin runs them anyway, the assembly skips
 * them. Only the fused first stage has m = 1, so here m >= 2. */
#if defined(__ARM_FEATURE_DSP)
/* On the M4, in assembly: GCC's code spills about ten registers a butterfly here. Nine registers hold
 * the loop (f + j, f + 2m + j, m in bytes, the twiddle pointer, the group's end, the buffer's end and
 * the three rounding constants), five the data; one LDRD fetches w1 and w3, 44 instructions a
 * butterfly. Each group opens with its j = 0 butterfly without the three products (28 instructions; 21
 * of the 192 butterflies of n = 256), then 10 a group. The arithmetic is butterfly4_at's, in its order
 * (the C twin runs on the host, where ctest holds it against the reference; the board image
 * hark_frontend_twin holds this). */
/* A butterfly's last steps, with s1 in b, s3 in a and s4 in d: C_FIXDIV of f[j], then the four outputs
 * stored, lo and hi moved one slot on. The same for j = 0 and the twiddled butterflies. */
#define STAGE4_TAIL                         \
  "ldr %[e], [%[lo]]\n\t" /* f[j] */       \
  "smlabb %[c], %[e], %[k], %[r15]\n\t"    \
  "smlatb %[e], %[e], %[k], %[r15]\n\t"    \
  "pkhtb %[e], %[e], %[c], asr #16\n\t"    \
  "ssub16 %[c], %[e], %[b]\n\t" /* s5 */   \
  "sadd16 %[e], %[e], %[b]\n\t" /* f0 + s1 */ \
  "ssax %[b], %[c], %[d]\n\t"              \
  "str %[b], [%[lo], %[mb]]\n\t"           \
  "sasx %[b], %[c], %[d]\n\t"              \
  "str %[b], [%[hi], %[mb]]\n\t"           \
  "ssub16 %[b], %[e], %[a]\n\t"            \
  "str %[b], [%[hi]], #4\n\t"              \
  "sadd16 %[b], %[e], %[a]\n\t"            \
  "str %[b], [%[lo]], #4\n\t"
static void stage4_packed(frontend_cpx_t *buf, int32_t n, const frontend_cpx_t *st, int32_t m) {
  frontend_cpx_t *lo = buf, *hi = buf + 2 * m;
  const int32_t mb = 4 * m, k = 2 * DIV4_Q15, r15 = 1 << 15, r14 = 1 << 14;
  const frontend_cpx_t *end = buf + m;
  const uintptr_t last = (uintptr_t)(buf + n) + (uintptr_t)mb; /* the group end after the last group */
  uint32_t a, b, c, d, e;
  __asm__ volatile(
      "0:\n\t" /* j = 0: s0, s2 and s1 are the C_FIXDIVs themselves */
      "ldr %[a], [%[lo], %[mb]]\n\t" /* f[m] */
      "smlabb %[c], %[a], %[k], %[r15]\n\t"
      "smlatb %[a], %[a], %[k], %[r15]\n\t"
      "pkhtb %[d], %[a], %[c], asr #16\n\t" /* s0 */
      "ldr %[a], [%[hi], %[mb]]\n\t"        /* f[3m] */
      "smlabb %[c], %[a], %[k], %[r15]\n\t"
      "smlatb %[a], %[a], %[k], %[r15]\n\t"
      "pkhtb %[e], %[a], %[c], asr #16\n\t" /* s2 */
      "sadd16 %[a], %[d], %[e]\n\t"         /* s3 */
      "ssub16 %[d], %[d], %[e]\n\t"         /* s4 */
      "ldr %[b], [%[hi]]\n\t"               /* f[2m] */
      "smlabb %[c], %[b], %[k], %[r15]\n\t"
      "smlatb %[b], %[b], %[k], %[r15]\n\t"
      "pkhtb %[b], %[b], %[c], asr #16\n\t" /* s1 */
      STAGE4_TAIL
      "add %[st], %[st], #12\n\t" /* past j = 0's twiddles */
      "1:\n\t"
      "ldrd %[b], %[e], [%[st]], #12\n\t" /* w1, w3 */
      "ldr %[a], [%[lo], %[mb]]\n\t"      /* f[j + m] */
      "smlabb %[c], %[a], %[k], %[r15]\n\t"
      "smlatb %[a], %[a], %[k], %[r15]\n\t"
      "pkhtb %[a], %[a], %[c], asr #16\n\t"
      "smladx %[c], %[a], %[b], %[r14]\n\t"
      "smlsd %[a], %[a], %[b], %[r14]\n\t"
      "lsl %[c], %[c], #1\n\t"
      "pkhtb %[d], %[c], %[a], asr #15\n\t" /* s0 */
      "ldr %[a], [%[hi], %[mb]]\n\t"         /* f[j + 3m] */
      "smlabb %[c], %[a], %[k], %[r15]\n\t"
      "smlatb %[a], %[a], %[k], %[r15]\n\t"
      "pkhtb %[a], %[a], %[c], asr #16\n\t"
      "smladx %[c], %[a], %[e], %[r14]\n\t"
      "smlsd %[a], %[a], %[e], %[r14]\n\t"
      "lsl %[c], %[c], #1\n\t"
      "pkhtb %[e], %[c], %[a], asr #15\n\t" /* s2 */
      "sadd16 %[a], %[d], %[e]\n\t"         /* s3 */
      "ssub16 %[d], %[d], %[e]\n\t"         /* s4 */
      "ldr %[b], [%[hi]]\n\t"               /* f[j + 2m] */
      "ldr %[e], [%[st], #-4]\n\t"          /* w2 */
      "smlabb %[c], %[b], %[k], %[r15]\n\t"
      "smlatb %[b], %[b], %[k], %[r15]\n\t"
      "pkhtb %[b], %[b], %[c], asr #16\n\t"
      "smladx %[c], %[b], %[e], %[r14]\n\t"
      "smlsd %[b], %[b], %[e], %[r14]\n\t"
      "lsl %[c], %[c], #1\n\t"
      "pkhtb %[b], %[c], %[b], asr #15\n\t" /* s1 */
      STAGE4_TAIL
      "cmp %[lo], %[end]\n\t"
      "bne 1b\n\t"
      /* Next group: f, f + 2m and the group end move 4m on (lo and hi have moved m), the
       * twiddles restart (3m entries of 4 bytes back). */
      "add %[lo], %[lo], %[mb], lsl #1\n\t"
      "add %[lo], %[lo], %[mb]\n\t"
      "add %[hi], %[hi], %[mb], lsl #1\n\t"
      "add %[hi], %[hi], %[mb]\n\t"
      "sub %[st], %[st], %[mb], lsl #1\n\t"
      "sub %[st], %[st], %[mb]\n\t"
      "add %[end], %[end], %[mb], lsl #2\n\t"
      "cmp %[end], %[last]\n\t"
      "bne 0b\n\t"
      : [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(c), [d] "=&r"(d), [e] "=&r"(e), [lo] "+r"(lo), [hi] "+r"(hi),
        [st] "+r"(st), [end] "+r"(end)
      : [mb] "r"(mb), [last] "r"(last), [k] "r"(k), [r15] "r"(r15), [r14] "r"(r14)
      : "cc", "memory");
#undef STAGE4_TAIL
}
#else
static void stage4_packed(frontend_cpx_t *buf, int32_t n, const frontend_cpx_t *st, int32_t m) {
  for (frontend_cpx_t *f = buf; f < buf + n; f += 4 * m)
    for (int32_t j = 0; j < m; j++)
      butterfly4_at(f + j, m, cpx_load(st + 3 * j), cpx_load(st + 3 * j + 2), cpx_load(st + 3 * j + 1));
}
#endif

/* A radix-2 stage the same way (the j = 0 product is again exact: |components| <= 16383). */
static void stage2_packed(frontend_cpx_t *buf, int32_t n, const frontend_cpx_t *tw, int32_t fstride, int32_t m) {
  for (int32_t j = 0; j < m; j++) {
    const uint32_t w = cpx_load(tw + j * fstride);
    for (frontend_cpx_t *f = buf + j; f < buf + n; f += 2 * m) {
      const uint32_t a = fixdiv_packed(cpx_load(f), DIV2_Q15);
      uint32_t t = fixdiv_packed(cpx_load(f + m), DIV2_Q15);
      if (j != 0) t = cmul_packed(t, w);
      cpx_store(f + m, dsp_ssub16(a, t));
      cpx_store(f, dsp_sadd16(a, t));
    }
  }
}

/* (int16)(x << shift) on both halves of a packed word: the low half shifted in place (its spill
 * into the high half is dropped by PKHBT), the high half shifted on its own. */
static inline uint32_t shift_packed(uint32_t w, int32_t shift) {
  return pkhbt(w << shift, (w & 0xFFFF0000u) << shift);
}

/* C_FIXDIV(shift_packed(w, shift)) without packing the shifted word: SMLABB reads only the low
 * half of w << shift, which is the wrapped low sample, and SMLATB only the high half of the
 * masked word shifted, which is the wrapped high sample. */
static inline uint32_t fixdiv_shifted_packed(uint32_t w, int32_t shift, uint32_t q15) {
  return pack_top16(dsp_smlabb(w << shift, 2 * q15, 1 << 15), dsp_smlatb((w & 0xFFFF0000u) << shift, 2 * q15, 1 << 15));
}

/* C_FIXDIV by 4 of both samples of w shifted up by `shift`, when neither wraps (|sample| 2^shift fits
 * int16), with k2 = 4 (32767 / 4) 2^shift: the shift folds into the product. C_FIXDIV's
 * floor((v q + 2^14) / 2^15) for v = x 2^shift is floor((floor(k2 x / 2^16) + 1) / 2), and
 * floor(k2 x / 2^16) is SMULWB's (SMULWT's) result, at most 16382 in magnitude: one SHADD16 with 1
 * in both halves rounds both, where the general path needs two shifts and a mask more. */
static inline uint32_t fixdiv_scaled_packed(uint32_t w, int32_t k2) {
  return dsp_shadd16(pack16(dsp_smulwb(k2, w), dsp_smulwt(k2, w)), 0x00010001u);
}

#if defined(__ARM_FEATURE_DSP)
/* kissfft's first radix-4 stage for n = 256 (the 512-point FFT of 30 and 32 ms windows at 16 kHz) on
 * the M4, as first_stage4_packed computes it but into the autosort layout (below): group g's output
 * q goes to slot g + 64 q of `buf`. The quarter-length offsets are immediates: 36 instructions a
 * group (27 for the padded one; the general path 44), three more than one STM of adjacent slots took,
 * which the later stages' LDMs repay. Every register is bound by hand, so the body is the C twin's
 * arithmetic in the same order: scale and C_FIXDIV each input as fixdiv_shifted_packed does (the high
 * half moved down first), then the butterfly. */
static void first_stage4_n256(frontend_cpx_t *buf, const int16_t *windowed, const uint16_t *order, int32_t shift,
                              int32_t window_size, int exact) {
  register const uint16_t *ord __asm__("r0") = order;
  register const int16_t *base __asm__("r1") = windowed;
  register frontend_cpx_t *out __asm__("r2") = buf;
  register frontend_cpx_t *end __asm__("r3") = buf + 64; /* one slot a group */
  /* The general path: r12 the shift, r8 and r9 C_FIXDIV's factor and rounding. The exact one
   * (fixdiv_scaled_packed): r12 k2, r9 1 in both halves. */
  register int32_t sh __asm__("r12") = exact ? (4 * DIV4_Q15) << shift : shift;
  register int32_t k __asm__("r8") = 2 * DIV4_Q15;
  register int32_t r15 __asm__("r9") = exact ? 0x00010001 : 1 << 15;
/* FD(x, out): out = C_FIXDIV((int16)(x.lo << sh), (int16)(x.hi << sh)) by 4, x and r11 destroyed. */
#define FIRST_FD(x, o)                  \
  "lsr r11, " x ", #16\n\t"            \
  "lsl r11, r11, r12\n\t"              \
  "lsl " x ", " x ", r12\n\t"           \
  "smlabb " x ", " x ", r8, r9\n\t"     \
  "smlabb r11, r11, r8, r9\n\t"        \
  "pkhtb " o ", r11, " x ", asr #16\n\t"
/* FDX(x, out): the same by fixdiv_scaled_packed, 4 instructions against 6. */
#define FIRST_FDX(x, o)                 \
  "smulwb r11, r12, " x "\n\t"        \
  "smulwt " x ", r12, " x "\n\t"      \
  "pkhbt r11, r11, " x ", lsl #16\n\t" \
  "shadd16 " o ", r11, r9\n\t"
/* Group g's output q goes to slot g + 64 q, where the next stage's butterflies find their four
 * inputs side by side (autosort_stage). */
#define FIRST_STORE                  \
  "str r5, [r2, #256]\n\t"         \
  "str r6, [r2, #512]\n\t"         \
  "str r7, [r2, #768]\n\t"         \
  "str r4, [r2], #4\n\t"
/* One group: its four inputs, the butterfly, its four outputs. */
#define FIRST_GROUP(FD)                              \
  "ldrh lr, [r0], #8\n\t"      /* order[g], g += 4 */ \
  "add lr, r1, lr, lsl #2\n\t" /* &windowed[2 order[g]] */ \
  "ldr r10, [lr]\n\t"          /* input q = 0 */    \
  FD("r10", "r4")         /* a0 */             \
  "ldr r10, [lr, #512]\n\t"    /* q = 2 */          \
  FD("r10", "r7")         /* s1 */             \
  "ssub16 r5, r4, r7\n\t"      /* s5 = a0 - s1 */   \
  "sadd16 r4, r4, r7\n\t"      /* a0 += s1 */       \
  "ldr r10, [lr, #256]\n\t"    /* q = 1 */          \
  FD("r10", "r6")         /* s0 */             \
  "ldr r10, [lr, #768]\n\t"    /* q = 3 */          \
  FD("r10", "r7")         /* s2 */             \
  "sadd16 r10, r6, r7\n\t"     /* s3 */             \
  "ssub16 r11, r6, r7\n\t"     /* s4 */             \
  "ssub16 r6, r4, r10\n\t"     /* slot 2: a0 - s3 */ \
  "sadd16 r4, r4, r10\n\t"     /* slot 0: a0 + s3 */ \
  "sasx r7, r5, r11\n\t"       /* slot 3 */         \
  "ssax r5, r5, r11\n\t"       /* slot 1 */         \
  FIRST_STORE
/* The same when input q = 3 lies in the zero padding: s2 = 0, so s3 = s4 = s0. */
#define FIRST_GROUP_ZERO3(FD)                        \
  "ldrh lr, [r0], #8\n\t"                           \
  "add lr, r1, lr, lsl #2\n\t"                      \
  "ldr r10, [lr]\n\t"                               \
  FD("r10", "r4")                              \
  "ldr r10, [lr, #512]\n\t"                         \
  FD("r10", "r7")                              \
  "ssub16 r5, r4, r7\n\t"                           \
  "sadd16 r4, r4, r7\n\t"                           \
  "ldr r10, [lr, #256]\n\t"                         \
  FD("r10", "r11")                             \
  "ssub16 r6, r4, r11\n\t"                          \
  "sadd16 r4, r4, r11\n\t"                          \
  "sasx r7, r5, r11\n\t"                            \
  "ssax r5, r5, r11\n\t"                            \
  FIRST_STORE
  /* Slot 4g's input q = 3 is pair order[4g] + 192, and order[4g] = q0 + 4 q1 + 16 (g mod 4) for
   * n = 256 (build_fft's digit reversal), so in every group g = 3 mod 4 it is pair 240 or later:
   * sample 480 or later, the zero padding for windows up to 480 samples (30 ms at 16 kHz). */
#define FIRST_LOOP(BODY)                                                     \
  __asm__ volatile("1:\n\t" BODY "cmp r2, r3\n\t"                          \
                   "bne 1b\n\t"                                             \
                   : "+r"(ord), "+r"(out)                                    \
                   : "r"(base), "r"(end), "r"(sh), "r"(k), "r"(r15)          \
                   : "r4", "r5", "r6", "r7", "r10", "r11", "lr", "cc", "memory")
  /* The general path runs only for the rare window holding -32768 and for frontend_fft: one group a
   * step, the padded input computed as the zero it is. That costs 11 instructions a padded group and
   * saves the flash of a second unrolled loop. */
  if (exact && window_size <= 480) {
    FIRST_LOOP(FIRST_GROUP(FIRST_FDX) FIRST_GROUP(FIRST_FDX) FIRST_GROUP(FIRST_FDX) FIRST_GROUP_ZERO3(FIRST_FDX));
  } else if (exact) {
    FIRST_LOOP(FIRST_GROUP(FIRST_FDX));
  } else {
    FIRST_LOOP(FIRST_GROUP(FIRST_FD));
  }
#undef FIRST_LOOP
#undef FIRST_STORE
#undef FIRST_GROUP_ZERO3
#undef FIRST_GROUP
#undef FIRST_FDX
#undef FIRST_FD
}
#endif

#if defined(__ARM_FEATURE_DSP)
/* The later radix-4 stages of n = 256 on the M4, out of place ("autosort"): each stage m reads its
 * butterflies' four inputs side by side, one LDM a butterfly, from a buffer laid out for it, and
 * writes each output where the next stage wants it. Stage m runs its butterflies j-major (every
 * group's butterfly j, then j + 1), so they share their twiddles; its butterfly (G, j) takes block
 * j (64 / m) + G of its input (slots 4 block .. 4 block + 3: the group's f[j], f[j + m], f[j + 2m],
 * f[j + 3m]) and writes output q to slot G + j (256 / m) + 64 q of the next buffer, which is that
 * block layout for stage 4m and kissfft's natural order after the last stage (m = 64). So every
 * stage reads its input in order and writes to out, out + 64, out + 128 and out + 192, out moving
 * one slot a butterfly. 39 instructions a twiddled butterfly (44 in place, where the four inputs
 * and outputs are m slots apart), 27 at j = 0 (28), 9 a j, 40 a butterfly in the last stage, which
 * loads its twiddles per butterfly; the price is a second 1 KB buffer (fe->fft_scratch). The
 * arithmetic is butterfly4_at's, each value's operations in its order. Registers: r0 in, r1 out, r2
 * the end of in (of this j's butterflies), r3 w1, r4-r7 the inputs (LDM fills them in ascending
 * order), r8 C_FIXDIV's factor, r9 and r10 the rounding constants 2^15 and 2^14, r11 w3, r12 a
 * temporary, lr w2 (the last stage: lr the twiddle pointer, w2 in r3 once w1 is used). */
/* C_FIXDIV by 4 of X, T destroyed. */
#define AS_FIXDIV(X, T)                 \
  "smlabb " T ", " X ", r8, r9\n\t"     \
  "smlatb " X ", " X ", r8, r9\n\t"     \
  "pkhtb " X ", " X ", " T ", asr #16\n\t"
/* X = X * W (cmul_packed), T destroyed. */
#define AS_CMUL(X, W, T)                \
  "smladx " T ", " X ", " W ", r10\n\t" \
  "smlsd " X ", " X ", " W ", r10\n\t"  \
  "lsl " T ", " T ", #1\n\t"            \
  "pkhtb " X ", " T ", " X ", asr #15\n\t"
/* With s0 in r5, s1 in r6, s2 in r7 and C_FIXDIV(f[j]) in r4: the four outputs. */
#define AS_TAIL                                  \
  "sadd16 r12, r5, r7\n\t" /* s3 */             \
  "ssub16 r5, r5, r7\n\t"  /* s4 */             \
  "ssub16 r7, r4, r6\n\t"  /* s5 = f0 - s1 */   \
  "sadd16 r4, r4, r6\n\t"  /* f0 + s1 */        \
  "ssax r6, r7, r5\n\t"                         \
  "str r6, [r1, #256]\n\t" /* f[j + m] */       \
  "sasx r6, r7, r5\n\t"                         \
  "str r6, [r1, #768]\n\t" /* f[j + 3m] */      \
  "ssub16 r6, r4, r12\n\t"                      \
  "str r6, [r1, #512]\n\t" /* f[j + 2m] */      \
  "sadd16 r6, r4, r12\n\t"                      \
  "str r6, [r1], #4\n\t"   /* f[j] */
#define AS_REGISTERS(IN, OUT, R2, R3, R11, LR)                   \
  register const frontend_cpx_t *in_r __asm__("r0") = (IN);      \
  register frontend_cpx_t *out_r __asm__("r1") = (OUT);          \
  register uint32_t r2_r __asm__("r2") = (R2);                   \
  register uint32_t r3_r __asm__("r3") = (R3);                   \
  register int32_t k_r __asm__("r8") = 2 * DIV4_Q15;             \
  register int32_t r15_r __asm__("r9") = 1 << 15;                \
  register int32_t r14_r __asm__("r10") = 1 << 14;               \
  register uint32_t r11_r __asm__("r11") = (R11);                \
  register uint32_t lr_r __asm__("lr") = (LR)
#define AS_OPERANDS                                                                 \
  : "+r"(in_r), "+r"(out_r), "+r"(r2_r), "+r"(r3_r), "+r"(r11_r), "+r"(lr_r)        \
  : "r"(k_r), "r"(r15_r), "r"(r14_r)                                                \
  : "r4", "r5", "r6", "r7", "r12", "cc", "memory"
/* Stage m (4 or 16): the 64 / m butterflies of j = 0 (twiddles 1: their products are exact, so they
 * are skipped), then those of each later j with its twiddles in r3, r11 and lr. The loop's state
 * waits on the stack: the bytes of input per j, the next j's twiddles, the input's end. */
static void autosort_stage(const frontend_cpx_t *in, frontend_cpx_t *out, const frontend_cpx_t *st, int32_t m) {
  AS_REGISTERS(in, out, (uint32_t)(64 / m) * 16u, (uint32_t)(uintptr_t)(st + 3), (uint32_t)(uintptr_t)(in + 256), 0);
  __asm__ volatile("push {r2, r3, r11}\n\t"
                   "add r2, r0, r2\n\t"
                   "0:\n\t"
                   "ldmia r0!, {r4, r5, r6, r7}\n\t" AS_FIXDIV("r5", "r12") AS_FIXDIV("r7", "r12")
                   AS_FIXDIV("r6", "r12") AS_FIXDIV("r4", "r12") AS_TAIL
                   "cmp r0, r2\n\t"
                   "bne 0b\n\t"
                   "1:\n\t" /* the next j */
                   "ldr r12, [sp, #4]\n\t"
                   "ldrd r3, r11, [r12], #12\n\t" /* w1, w3 */
                   "ldr lr, [r12, #-4]\n\t"       /* w2 */
                   "str r12, [sp, #4]\n\t"
                   "ldr r12, [sp]\n\t"
                   "add r2, r0, r12\n\t"
                   "2:\n\t"
                   "ldmia r0!, {r4, r5, r6, r7}\n\t" AS_FIXDIV("r5", "r12") AS_CMUL("r5", "r3", "r12")
                   AS_FIXDIV("r7", "r12") AS_CMUL("r7", "r11", "r12") AS_FIXDIV("r6", "r12")
                   AS_CMUL("r6", "lr", "r12") AS_FIXDIV("r4", "r12") AS_TAIL
                   "cmp r0, r2\n\t"
                   "bne 2b\n\t"
                   "ldr r12, [sp, #8]\n\t"
                   "cmp r0, r12\n\t"
                   "bne 1b\n\t"
                   "add sp, sp, #12\n\t" AS_OPERANDS);
}
/* The last stage (m = 64, one group): a butterfly per j, its twiddles from the stage's table (w1
 * and w3 by one LDRD into r3 and r11, w2 into r3 once w1 is used; lr walks the table), j = 0's
 * too (40 instructions a butterfly). */
static void autosort_last(const frontend_cpx_t *in, frontend_cpx_t *out, const frontend_cpx_t *st) {
  AS_REGISTERS(in, out, (uint32_t)(uintptr_t)(in + 256), 0, 0, (uint32_t)(uintptr_t)st);
  __asm__ volatile("1:\n\t"
                   "ldmia r0!, {r4, r5, r6, r7}\n\t"
                   "ldrd r3, r11, [lr], #12\n\t" AS_FIXDIV("r5", "r12") AS_CMUL("r5", "r3", "r12")
                   AS_FIXDIV("r7", "r12") AS_CMUL("r7", "r11", "r12")
                   "ldr r3, [lr, #-4]\n\t" AS_FIXDIV("r6", "r12") AS_CMUL("r6", "r3", "r12")
                   AS_FIXDIV("r4", "r12") AS_TAIL
                   "cmp r0, r2\n\t"
                   "bne 1b\n\t" AS_OPERANDS);
}
#undef AS_REGISTERS
#undef AS_OPERANDS
#undef AS_TAIL
#undef AS_CMUL
#undef AS_FIXDIV

/* kissfft's n = 256 transform into fe->fft (natural order), every stage on the M4 path: the first
 * stage into the scratch buffer, then stages 4, 16 and 64 back and forth. */
static void fft256_autosort(frontend_t *fe, const int16_t *windowed, int32_t shift, int exact) {
  frontend_cpx_t *a = fe->fft, *s = fe->fft_scratch;
  const frontend_cpx_t *st = fe->stage_twiddles + 3; /* past the first stage's (all 1) */
  first_stage4_n256(s, windowed, fe->fft_order, shift, fe->window_size, exact);
  autosort_stage(s, a, st, 4);
  autosort_stage(a, s, st + 3 * 4, 16);
  autosort_last(s, a, st + 3 * 4 + 3 * 16);
}
#endif

/* kissfft's first radix-4 stage (m = 1) fused with the load: slots 4g..4g+3 hold inputs
 * order[4g] + q n/4 (q = 0..3, the last digit of the digit reversal), so each group loads its four
 * pairs straight from the window, scales them and runs its butterfly (all twiddles are 1). (On the
 * M4, n = 256 takes fft256_autosort instead.) */
static void first_stage4_packed(frontend_cpx_t *buf, int32_t n, const int16_t *windowed, const uint16_t *order,
                                int32_t shift, int32_t window_size, int exact) {
  (void)window_size; /* the C path computes the padding's zeros too */
  const int32_t quarter = 2 * (n / 4); /* int16 samples between the group's inputs */
  const int32_t k2 = (4 * DIV4_Q15) << shift;
  for (int32_t g = 0; g < n; g += 4) {
    const int16_t *in = windowed + 2 * order[g];
    uint32_t x0, x1, x2, x3;
    memcpy(&x0, in, sizeof x0);
    memcpy(&x1, in + quarter, sizeof x1);
    memcpy(&x2, in + 2 * quarter, sizeof x2);
    memcpy(&x3, in + 3 * quarter, sizeof x3);
    uint32_t a0, s0, s1, s2;
    if (exact) {
      a0 = fixdiv_scaled_packed(x0, k2);
      s0 = fixdiv_scaled_packed(x1, k2);
      s1 = fixdiv_scaled_packed(x2, k2);
      s2 = fixdiv_scaled_packed(x3, k2);
    } else {
      a0 = fixdiv_shifted_packed(x0, shift, DIV4_Q15);
      s0 = fixdiv_shifted_packed(x1, shift, DIV4_Q15);
      s1 = fixdiv_shifted_packed(x2, shift, DIV4_Q15);
      s2 = fixdiv_shifted_packed(x3, shift, DIV4_Q15);
    }
    const uint32_t s5 = dsp_ssub16(a0, s1);
    a0 = dsp_sadd16(a0, s1);
    const uint32_t s3 = dsp_sadd16(s0, s2);
    const uint32_t s4 = dsp_ssub16(s0, s2);
    cpx_store(buf + g + 2, dsp_ssub16(a0, s3));
    cpx_store(buf + g, dsp_sadd16(a0, s3));
    cpx_store(buf + g + 1, dsp_ssax(s5, s4));
    cpx_store(buf + g + 3, dsp_sasx(s5, s4));
  }
}

/* kiss_fftr's split steps for bins k (lo) and n - k (hi), lo moving up and hi down until they pass;
 * where they meet (k = n/2) the slot is read before it is written, and hi's store comes last. The
 * conjugate of X[n - k] is never packed: C_FIXDIV's low product reads X[n - k]'s real half itself,
 * its high product the negated word's imaginary half. */
#if defined(__ARM_FEATURE_DSP)
/* On the M4 in assembly, in the order of its C twin below (which the host runs). Steps go in pairs
 * (k, k + 1): one LDRD fetches X[k] and X[k + 1], one more X[n - k - 1] and X[n - k], one their two
 * twiddles, and two STRDs store the four bins, 21 instructions a step (22 a step and 4 loads and stores
 * a pair by single steps, -2 a step). An odd count takes one single step first. The last pair (k =
 * n/2 - 1, n/2) reads bin n/2 twice and stores it twice, its hi store last, as the single steps do. All
 * fourteen registers: four bins, two temporaries, the pair's second twiddle, three pointers and four
 * constants. */
/* C_FIXDIV by 2 of X[k] in X and of X[n - k]'s conjugate in Y, then kiss_fftr's step: X takes bin k,
 * Y bin n - k. LOAD_W puts the twiddle in W once Y is free (Y is free after f2k). */
#define SPLIT_ARITH(X, Y, W, LOAD_W)                                                   \
  "smlabb %[a], %[" X "], %[k], %[r15]\n\t"                                          \
  "smlatb %[" X "], %[" X "], %[k], %[r15]\n\t"                                      \
  "pkhtb %[" X "], %[" X "], %[a], asr #16\n\t" /* fpk */                             \
  "ssub16 %[a], %[zero], %[" Y "]\n\t"                                               \
  "smlatb %[a], %[a], %[k], %[r15]\n\t"                                              \
  "smlabb %[" Y "], %[" Y "], %[k], %[r15]\n\t"                                      \
  "pkhtb %[" Y "], %[a], %[" Y "], asr #16\n\t" /* fpnk */                            \
  "sadd16 %[a], %[" X "], %[" Y "]\n\t"         /* f1k */                             \
  "ssub16 %[" X "], %[" X "], %[" Y "]\n\t"     /* f2k */                             \
  LOAD_W                                                                             \
  "smladx %[b], %[" X "], %[" W "], %[r14]\n\t"                                      \
  "smlsd %[" X "], %[" X "], %[" W "], %[r14]\n\t"                                   \
  "lsl %[b], %[b], #1\n\t"                                                           \
  "pkhtb %[b], %[b], %[" X "], asr #15\n\t" /* tw */                                  \
  "shadd16 %[" X "], %[a], %[b]\n\t"                                                 \
  "pkhbt %[" Y "], %[a], %[b]\n\t"                                                   \
  "pkhbt %[a], %[b], %[a]\n\t"                                                       \
  "shsub16 %[" Y "], %[" Y "], %[a]\n\t"
static void split_steps(frontend_cpx_t *lo, frontend_cpx_t *hi, const frontend_cpx_t *super) {
  if (lo > hi) return;
  const int32_t k = 2 * DIV2_Q15, r15 = 1 << 15, r14 = 1 << 14, zero = 0;
  uint32_t x0, y0, x1, y1, a, b, w2;
  if (((hi - lo) / 2 + 1) & 1) {
    __asm__ volatile("ldr %[x0], [%[lo]]\n\t" /* X[k] */
                     "ldr %[y0], [%[hi]]\n\t" /* X[n - k] */
                     SPLIT_ARITH("x0", "y0", "y0", "ldr %[y0], [%[sup]], #4\n\t")
                     "str %[x0], [%[lo]], #4\n\t"
                     "str %[y0], [%[hi]], #-4\n\t"
                     : [x0] "=&r"(x0), [y0] "=&r"(y0), [a] "=&r"(a), [b] "=&r"(b), [lo] "+r"(lo), [hi] "+r"(hi),
                       [sup] "+r"(super)
                     : [k] "r"(k), [r15] "r"(r15), [r14] "r"(r14), [zero] "r"(zero)
                     : "cc", "memory");
  }
  if (lo < hi) {
    frontend_cpx_t *hp = hi - 1; /* X[n - k - 1], X[n - k] */
    __asm__ volatile("1:\n\t"
                     "ldrd %[x0], %[x1], [%[lo]]\n\t" /* X[k], X[k + 1] */
                     "ldrd %[y1], %[y0], [%[hp]]\n\t" /* X[n - k - 1], X[n - k] */
                     SPLIT_ARITH("x0", "y0", "y0", "ldrd %[y0], %[w2], [%[sup]], #8\n\t")
                     SPLIT_ARITH("x1", "y1", "w2", "")
                     "strd %[x0], %[x1], [%[lo]], #8\n\t"
                     "strd %[y1], %[y0], [%[hp]], #-8\n\t" /* the hi stores last: bin n/2 in the last pair */
                     "cmp %[lo], %[hp]\n\t"
                     "blo 1b\n\t"
                     : [x0] "=&r"(x0), [y0] "=&r"(y0), [x1] "=&r"(x1), [y1] "=&r"(y1), [w2] "=&r"(w2), [a] "=&r"(a),
                       [b] "=&r"(b), [lo] "+r"(lo), [hp] "+r"(hp), [sup] "+r"(super)
                     : [k] "r"(k), [r15] "r"(r15), [r14] "r"(r14), [zero] "r"(zero)
                     : "cc", "memory");
  }
}
#undef SPLIT_ARITH
#else
static void split_steps(frontend_cpx_t *lo, frontend_cpx_t *hi, const frontend_cpx_t *super) {
  for (; lo <= hi; lo++, hi--, super++) {
    const uint32_t xnk = cpx_load(hi);
    const uint32_t fpk = fixdiv_packed(cpx_load(lo), DIV2_Q15);
    const uint32_t fpnk = pack_top16(dsp_smlabb(xnk, 2 * DIV2_Q15, 1 << 15),
                                     dsp_smlatb(dsp_ssub16(0, xnk), 2 * DIV2_Q15, 1 << 15));
    const uint32_t f1k = dsp_sadd16(fpk, fpnk);
    const uint32_t tw = cmul_packed(dsp_ssub16(fpk, fpnk), cpx_load(super));
    cpx_store(lo, dsp_shadd16(f1k, tw));
    /* ((f1k.r - tw.r) >> 1, (tw.i - f1k.i) >> 1) as one halving subtraction. */
    cpx_store(hi, dsp_shsub16(pkhbt(f1k, tw), pkhbt(tw, f1k)));
  }
}
#endif

/* The transform with kiss_fftr's split only for k = k_from .. n/2 (bins k and n - k), and bins 0 and
 * n (the split's k = 0) only if k_from is 0. */
static void fft_from(frontend_t *fe, const int16_t *windowed, int32_t shift, int32_t k_from, int exact) {
  /* `windowed` must hold fft_size samples: the window then zeros (the frontend's scratch does). */
  frontend_cpx_t *buf = fe->fft;
  const int32_t n = fe->fft_size / 2;
  const uint16_t *order = fe->fft_order;
  int32_t stage = fe->num_factors - 1;
  const frontend_cpx_t *st = fe->stage_twiddles;
#if defined(__ARM_FEATURE_DSP)
  if (n == 256) { /* kissfft factors 256 as 4 x 4 x 4 x 4 */
    fft256_autosort(fe, windowed, shift, exact);
    stage = -1;
  } else
#endif
  if (stage >= 0 && fe->factors[2 * stage] == 4 && fe->factors[2 * stage + 1] == 1) {
    first_stage4_packed(buf, n, windowed, order, shift, fe->window_size, exact);
    stage--;
    st += 3; /* its twiddles are all 1 */
  } else {
    for (int32_t s = 0; s < n; s++) {
      uint32_t pair;
      memcpy(&pair, windowed + 2 * order[s], sizeof pair);
      cpx_store(buf + s, shift_packed(pair, shift));
    }
  }
  for (; stage >= 0; stage--) {
    const int32_t p = fe->factors[2 * stage], m = fe->factors[2 * stage + 1];
    const int32_t fstride = n / (p * m);
    if (p == 4) {
      stage4_packed(buf, n, st, m);
      st += 3 * m;
    } else {
      stage2_packed(buf, n, fe->twiddles, fstride, m);
    }
  }
  if (k_from == 0) {
    const uint32_t dc = fixdiv_packed(cpx_load(buf), DIV2_Q15);
    cpx_store(buf + n, pack16(lo16(dc) - hi16(dc), 0));
    cpx_store(buf, pack16(lo16(dc) + hi16(dc), 0));
    k_from = 1;
  }
  split_steps(buf + k_from, buf + n - k_from, fe->super_twiddles + (k_from - 1));
}

void frontend_fft(frontend_t *fe, const int16_t *windowed, int32_t shift) { fft_from(fe, windowed, shift, 0, 0); }

static int32_t filterbank_k_from(const frontend_t *fe) {
  /* The filterbank reads bins start_index .. end_index - 1 (start_index >= 1, end_index <= n): split
   * steps k below both start_index and n + 1 - end_index make none of them. */
  const int32_t n = fe->fft_size / 2, tail = n + 1 - fe->end_index;
  int32_t k_from = fe->start_index < tail ? fe->start_index : tail;
  if (k_from < 1) k_from = 1;
  if (k_from > n / 2 + 1) k_from = n / 2 + 1;
  return k_from;
}

void frontend_fft_for_filterbank(frontend_t *fe, const int16_t *windowed, int32_t shift) {
  fft_from(fe, windowed, shift, filterbank_k_from(fe), 0);
}

int32_t frontend_fft_hop(frontend_t *fe, const int16_t *windowed, uint32_t window_bits) {
  /* Every windowed value but -32768 is below 2^(15 - shift) in magnitude, so only a -32768 (the rail
   * flag) with a shift can wrap. */
  const int32_t shift = frontend_fft_shift(window_bits);
  fft_from(fe, windowed, shift, filterbank_k_from(fe), !(window_bits & FRONTEND_WINDOW_RAIL) || shift == 0);
  return shift;
}

/* DEPTHWISE_CONV_2D, DSP twin: the same arithmetic as kernels/depthwise_conv_2d.c, with the tap ranges
 * hoisted out of the inner loops and four channels accumulated per pass with SMLAxy on SXTB16-unpacked
 * filter words. Fast paths: one input channel (micro_speech) and depth multiplier 1 (DS-CNN). */
#include "conv.h"
#include "dsp.h"
#include "quant.h"
#include "requant.h"

/* The taps [*start, *end) of a window whose first tap sits at `origin` that land inside [0, size). */
static inline void tap_range(int32_t origin, int32_t dil, int32_t taps, int32_t size, int32_t *start, int32_t *end) {
  int32_t s = origin < 0 ? (-origin + dil - 1) / dil : 0;
  int32_t room = size - origin;
  int32_t e = room <= 0 ? 0 : (room + dil - 1) / dil;
  *start = s;
  *end = e < taps ? e : taps;
}

static inline int8_t requant(const rt_conv_data_t *d, int32_t acc, int32_t oc) {
  const int32_t m = d->multiplier[oc * d->mult_step], sh = d->shift[oc * d->mult_step];
  acc = (d->short_requant ? rt_mbqm_short(acc, m, -sh) : rt_mbqm(acc, m, sh)) + d->output_offset;
  return (int8_t)rt_clamp(acc, d->act_min, d->act_max);
}

static int prepare(rt_interp_t *rt, rt_node_t *node) {
  int rc = rt_depthwise_prepare(rt, node);
  if (rc) return rc;
  rt_conv_data_t *d = node->data;
  const rt_tensor_t *bias = rt_input(rt, node, 2);
  d->short_requant = (!bias || (bias->flags & RT_T_CONST)) &&
                     rt_mbqm_short_ok(d->shift, d->mult_step ? (uint32_t)d->out_depth : 1u,
                                      bias ? bias->data : 0, (uint32_t)d->out_depth, (uint32_t)(d->g.k_h * d->g.k_w));
  if (d->depth_multiplier == 1 && (d->in_depth & 3) == 0)
    return rt_request_scratch(rt, node, sizeof(int16_t) * (size_t)(d->g.k_h * d->g.k_w) * (size_t)d->in_depth);
  return 0;
}

/* Depth multiplier 1, channels a multiple of 4 (DS-CNN). At the start of eval the filter is unpacked once
 * into int16 scratch, per group of four channels all taps in a row: tap t of group g is the word pair
 * (c, c+2) (c+1, c+3) at ws[(g * taps + t) * 2]. Then per output pixel and group, each tap is one input
 * word widened with the offset by two SXTAB16, one LDRD of the filter pair and four SMLAxy. The 3x3 window
 * of a pixel whose taps are all inside is written out, so its filter loads use immediate offsets. Every
 * parameter lives in a local: the int8 stores could alias the op data. */
/* Forced inline where it runs once per pixel and group (single_packed); dm1 keeps GCC's choice. */
static inline __attribute__((always_inline)) void store4_inline(int8_t *o, int32_t a0, int32_t a1, int32_t a2,
                                                                int32_t a3, const int32_t *m,
                              const int8_t *sh, int32_t step, int32_t short_rq, int32_t zp, int32_t lo, int32_t hi) {
  if (short_rq) {
    a0 = rt_mbqm_short(a0, m[0], -sh[0]);
    a1 = rt_mbqm_short(a1, m[step], -sh[step]);
    a2 = rt_mbqm_short(a2, m[2 * step], -sh[2 * step]);
    a3 = rt_mbqm_short(a3, m[3 * step], -sh[3 * step]);
  } else {
    a0 = rt_mbqm(a0, m[0], sh[0]);
    a1 = rt_mbqm(a1, m[step], sh[step]);
    a2 = rt_mbqm(a2, m[2 * step], sh[2 * step]);
    a3 = rt_mbqm(a3, m[3 * step], sh[3 * step]);
  }
  if (lo == -128 && hi == 127) {
    o[0] = (int8_t)rt_sat8(a0 + zp);
    o[1] = (int8_t)rt_sat8(a1 + zp);
    o[2] = (int8_t)rt_sat8(a2 + zp);
    o[3] = (int8_t)rt_sat8(a3 + zp);
  } else {
    o[0] = (int8_t)rt_clamp(a0 + zp, lo, hi);
    o[1] = (int8_t)rt_clamp(a1 + zp, lo, hi);
    o[2] = (int8_t)rt_clamp(a2 + zp, lo, hi);
    o[3] = (int8_t)rt_clamp(a3 + zp, lo, hi);
  }
}

static inline void dm1_store4(int8_t *o, int32_t a0, int32_t a1, int32_t a2, int32_t a3, const int32_t *m,
                              const int8_t *sh, int32_t step, int32_t short_rq, int32_t zp, int32_t lo, int32_t hi) {
  store4_inline(o, a0, a1, a2, a3, m, sh, step, short_rq, zp, lo, hi);
}

/* The accumulators' start for channels c .. c+3: their bias, or 0 without one. */
static inline __attribute__((always_inline)) void bias4(const int32_t *bias, int32_t c, int32_t *a0, int32_t *a1,
                                                        int32_t *a2, int32_t *a3) {
  *a0 = *a1 = *a2 = *a3 = 0;
  if (bias) {
    *a0 = bias[c];
    *a1 = bias[c + 1];
    *a2 = bias[c + 2];
    *a3 = bias[c + 3];
  }
}

/* One tap for one group of four channels; advances the filter pointer past its word pair. */
static inline void dw_tap(const int8_t *px, int32_t off_pair, const int32_t **pw, int32_t *s0, int32_t *s1,
                          int32_t *s2, int32_t *s3) {
#if defined(__ARM_FEATURE_DSP) && defined(__ARM_FEATURE_SIMD32)
  int32_t x, y, u, v;
  const int32_t *w = *pw;
  __asm volatile("ldr %[x], [%[p]]\n\t"
                 "sxtab16 %[y], %[off], %[x], ror #8\n\t"
                 "sxtab16 %[x], %[off], %[x]\n\t"
                 "ldrd %[u], %[v], [%[w]], #8\n\t"
                 "smlabb %[a0], %[x], %[u], %[a0]\n\t"
                 "smlatt %[a2], %[x], %[u], %[a2]\n\t"
                 "smlabb %[a1], %[y], %[v], %[a1]\n\t"
                 "smlatt %[a3], %[y], %[v], %[a3]\n\t"
                 : [a0] "+r"(*s0), [a1] "+r"(*s1), [a2] "+r"(*s2), [a3] "+r"(*s3), [w] "+r"(w), [x] "=&r"(x),
                   [y] "=&r"(y), [u] "=&r"(u), [v] "=&r"(v)
                 : [p] "r"(px), [off] "r"(off_pair)
                 : "memory");
  *pw = w;
#else
  int32_t xw = rt_load32(px);
  int32_t x02 = RT_SXTAB16(off_pair, xw), x13 = RT_SXTAB16_ROR8(off_pair, xw);
  const int32_t *w = *pw;
  *s0 = RT_SMLABB(x02, w[0], *s0);
  *s2 = RT_SMLATT(x02, w[0], *s2);
  *s1 = RT_SMLABB(x13, w[1], *s1);
  *s3 = RT_SMLATT(x13, w[1], *s3);
  *pw = w + 2;
#endif
}

/* The nine taps of a 3x3 window that lies inside the input, for one group of four channels. GCC spills
 * this to the stack (even into VFP registers), so on the M4 it is written out: 8 instructions a tap. */
static inline void dw3x3(const int8_t *px, int32_t tap_step, int32_t row_step, int32_t off_pair, const int32_t *wg,
                         int32_t *s0, int32_t *s1, int32_t *s2, int32_t *s3) {
  int32_t a0 = *s0, a1 = *s1, a2 = *s2, a3 = *s3;
#if defined(__ARM_FEATURE_DSP) && defined(__ARM_FEATURE_SIMD32)
  int32_t x, y, u, v;
  const int8_t *q;
#define RT_DW_ASM_TAP(load, imm)                \
  load "sxtab16 %[y], %[off], %[x], ror #8\n\t" \
       "sxtab16 %[x], %[off], %[x]\n\t"         \
       "ldrd %[u], %[v], [%[w], #" imm "]\n\t"  \
       "smlabb %[a0], %[x], %[u], %[a0]\n\t"    \
       "smlatt %[a2], %[x], %[u], %[a2]\n\t"    \
       "smlabb %[a1], %[y], %[v], %[a1]\n\t"    \
       "smlatt %[a3], %[y], %[v], %[a3]\n\t"
#define RT_DW_ASM_ROW(i0, i1, i2)                                                  \
  RT_DW_ASM_TAP("ldr %[x], [%[p]]\n\t", i0)                                        \
  RT_DW_ASM_TAP("ldr %[x], [%[p], %[ts]]\n\t", i1)                                 \
  RT_DW_ASM_TAP("add %[q], %[p], %[ts], lsl #1\n\tldr %[x], [%[q]]\n\t", i2)       \
  "add %[p], %[p], %[rs]\n\t"
  __asm volatile(RT_DW_ASM_ROW("0", "8", "16") RT_DW_ASM_ROW("24", "32", "40") RT_DW_ASM_ROW("48", "56", "64")
                 : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [p] "+r"(px), [x] "=&r"(x),
                   [y] "=&r"(y), [u] "=&r"(u), [v] "=&r"(v), [q] "=&r"(q)
                 : [ts] "r"(tap_step), [rs] "r"(row_step), [off] "r"(off_pair), [w] "r"(wg)
                 : "memory");
#undef RT_DW_ASM_ROW
#undef RT_DW_ASM_TAP
#else
  for (int32_t fy = 0; fy < 3; fy++, px += row_step)
    for (int32_t fx = 0; fx < 3; fx++, wg += 2) {
      int32_t xw = rt_load32(px + fx * tap_step);
      int32_t x02 = RT_SXTAB16(off_pair, xw), x13 = RT_SXTAB16_ROR8(off_pair, xw);
      a0 = RT_SMLABB(x02, wg[0], a0);
      a2 = RT_SMLATT(x02, wg[0], a2);
      a1 = RT_SMLABB(x13, wg[1], a1);
      a3 = RT_SMLATT(x13, wg[1], a3);
    }
#endif
  *s0 = a0;
  *s1 = a1;
  *s2 = a2;
  *s3 = a3;
}

#if defined(__ARM_FEATURE_DSP) && defined(__ARM_FEATURE_SIMD32)
/* Every channel group of one output pixel (dm1's loop body with its requantization), written out for the
 * M4: GCC spills the C version's tap loop to about 25 instructions a tap. Preconditions (the caller's): a
 * bias, one multiplier per channel, rt_mbqm_short exact, the full int8 output range, at least one tap. */
typedef struct {
  const int8_t *px;     /* 0: input at the window's first inside tap, channel group 0 */
  const int32_t *pw;    /* 4: unpacked filter at that tap, group 0 */
  int32_t nfy, nfx;     /* 8, 12: inside rows and taps per row */
  int32_t tap_step;     /* 16: bytes between taps of a row */
  int32_t x_skip;       /* 20: bytes from past a row's last tap to the next row's first */
  int32_t w_skip;       /* 24: filter bytes of the row's outside taps */
  int32_t w_group;      /* 28: filter bytes of one channel group (8 per tap) */
  const int32_t *bias;  /* 32 */
  const int32_t *mult;  /* 36 */
  const int8_t *shift;  /* 40 */
  int32_t zp2;          /* 44: 2 zp + 1 */
  int8_t *o;            /* 48 */
  int8_t *o_end;        /* 52: past the pixel's last output (4-aligned stores) */
  int32_t off_pair;     /* 56 */
  int32_t row_step;     /* 60: bytes between rows of taps */
  int32_t three;        /* 64: rows of exactly 3 taps and a 3-wide filter: unrolled (2: also 3 rows) */
} rt_dw_ctx_t;

#define RT_DWP_TAP(load)              \
  load "\n\t"                         \
  "sxtab16 r7, r10, r6, ror #8\n\t"   \
  "sxtab16 r6, r10, r6\n\t"           \
  "ldrd r8, r9, [r5], #8\n\t"         \
  "smlabb r0, r6, r8, r0\n\t"         \
  "smlatt r2, r6, r8, r2\n\t"         \
  "smlabb r1, r7, r9, r1\n\t"         \
  "smlatt r3, r7, r9, r3\n\t"
/* acc -> requantized int8 with r4..r7 = multipliers, lr = shifts, r11 = 2 zp + 1; r8 scratch. rt_mbqm_short's
 * (s + 2^(r-1) - (s < 0)) >> r, plus zp, in the form floor((floor((s - (s < 0)) / 2^(r-1)) + 1 + 2 zp) / 2)
 * (equal for every s: adding 2^(r-1) before dividing by 2^r rounds the same as halving after), whose last
 * halving SSAT's shift does: 8 instructions instead of 12. */
#define RT_DWP_RQ(a, m)               \
  "ldrsb r8, [lr], #1\n\t"            \
  "mvn r8, r8\n\t"                    \
  "lsl " a ", " a ", #1\n\t"          \
  "smmulr " a ", " a ", " m "\n\t"    \
  "sub " a ", " a ", " a ", lsr #31\n\t" \
  "asr " a ", " a ", r8\n\t"          \
  "add " a ", " a ", r9\n\t"          \
  "ssat " a ", #8, " a ", asr #1\n\t"
/* A group's start: bias into r0..r3, r4/r5 at its input and filter (the context advanced to the next
 * group's), lr = rows. */
#define RT_DWP_TOP                    \
  "ldr r12, [sp]\n\t"                 \
  "ldr lr, [r12, #32]\n\t"            \
  "ldmia lr!, {r0, r1, r2, r3}\n\t"   \
  "str lr, [r12, #32]\n\t"            \
  "ldrd r4, r5, [r12]\n\t"            \
  "add r6, r4, #4\n\t"                \
  "ldr r7, [r12, #28]\n\t"            \
  "add r7, r5, r7\n\t"                \
  "strd r6, r7, [r12]\n\t"            \
  "ldr lr, [r12, #8]\n\t"
/* A group's end: requantize, store the four bytes as one word, and loop to `again` until o_end. */
#define RT_DWP_END(again)             \
  "ldr r12, [sp]\n\t"                 \
  "ldr lr, [r12, #36]\n\t"            \
  "ldmia lr!, {r4, r5, r6, r7}\n\t"   \
  "str lr, [r12, #36]\n\t"            \
  "ldr lr, [r12, #40]\n\t"            \
  "ldr r9, [r12, #44]\n\t"            \
  RT_DWP_RQ("r0", "r4") RT_DWP_RQ("r1", "r5") RT_DWP_RQ("r2", "r6") RT_DWP_RQ("r3", "r7") \
  "str lr, [r12, #40]\n\t"            \
  "ldr lr, [r12, #48]\n\t"            \
  "bfi r0, r1, #8, #8\n\t"            \
  "bfi r0, r2, #16, #8\n\t"           \
  "bfi r0, r3, #24, #8\n\t"           \
  "str r0, [lr], #4\n\t"              \
  "str lr, [r12, #48]\n\t"            \
  "ldr r4, [r12, #52]\n\t"            \
  "cmp lr, r4\n\t"                    \
  "bne " again "\n\t"

/* off_pair (r10) and tap_step (r11) stay in registers for the whole pixel; the general, 3-wide and 3x3
 * windows have their own group loops, so a group tests nothing but its own end. */
__attribute__((naked)) static void dw_pixel(rt_dw_ctx_t *ctx) {
  (void)ctx;
  __asm volatile(
      "push {r4-r11, lr}\n\t"
      "push {r0}\n\t"
      "ldr r10, [r0, #56]\n\t"
      "ldr r11, [r0, #16]\n\t"
      "ldr r6, [r0, #64]\n\t"
      "cmp r6, #0\n\t"
      "beq 20f\n\t"
      "cmp r6, #2\n\t"
      "beq 30f\n\t"
      "10:\n\t" RT_DWP_TOP
      "ldr r12, [r12, #60]\n\t"
      "11:\n\t" RT_DWP_TAP("ldr r6, [r4]") RT_DWP_TAP("ldr r6, [r4, r11]") RT_DWP_TAP("ldr r6, [r4, r11, lsl #1]")
      "add r4, r4, r12\n\t"
      "subs lr, lr, #1\n\t"
      "bne 11b\n\t" RT_DWP_END("10b")
      "b 99f\n\t"
      "20:\n\t" RT_DWP_TOP
      "21:\n\t"
      "ldr r12, [sp]\n\t"
      "ldr r12, [r12, #12]\n\t"
      "22:\n\t" RT_DWP_TAP("ldr r6, [r4]")
      "add r4, r4, r11\n\t"
      "subs r12, r12, #1\n\t"
      "bne 22b\n\t"
      "ldr r12, [sp]\n\t"
      "ldr r6, [r12, #20]\n\t"
      "add r4, r4, r6\n\t"
      "ldr r6, [r12, #24]\n\t"
      "add r5, r5, r6\n\t"
      "subs lr, lr, #1\n\t"
      "bne 21b\n\t" RT_DWP_END("20b")
      "b 99f\n\t"
      "30:\n\t" RT_DWP_TOP
      "ldr r12, [r12, #60]\n\t" RT_DWP_TAP("ldr r6, [r4]") RT_DWP_TAP("ldr r6, [r4, r11]")
          RT_DWP_TAP("ldr r6, [r4, r11, lsl #1]")
      "add r4, r4, r12\n\t" RT_DWP_TAP("ldr r6, [r4]") RT_DWP_TAP("ldr r6, [r4, r11]")
          RT_DWP_TAP("ldr r6, [r4, r11, lsl #1]")
      "add r4, r4, r12\n\t" RT_DWP_TAP("ldr r6, [r4]") RT_DWP_TAP("ldr r6, [r4, r11]")
          RT_DWP_TAP("ldr r6, [r4, r11, lsl #1]") RT_DWP_END("30b")
      "99:\n\t"
      "add sp, sp, #4\n\t"
      "pop {r4-r11, pc}\n\t");
}
#undef RT_DWP_TAP
#undef RT_DWP_RQ
#undef RT_DWP_TOP
#undef RT_DWP_END
#define RT_HAVE_DW_PIXEL 1
#endif

static void dm1(const rt_conv_data_t *d, const int8_t *in, const int8_t *filter, const int32_t *bias, int8_t *out,
                int32_t *ws) {
  const rt_window_t g = d->g;
  const int32_t depth = d->in_depth, step = (int32_t)d->mult_step, short_rq = d->short_requant;
  const int32_t zp = d->output_offset, lo = d->act_min, hi = d->act_max, off = d->input_offset;
  const int32_t off_pair = (int32_t)(((uint32_t)off << 16) | ((uint32_t)off & 0xFFFFu));
  const int32_t *mult = d->multiplier;
  const int8_t *shift = d->shift;
  const int32_t taps = g.k_h * g.k_w, in_row = g.in_w * depth, tap_step = g.dil_w * depth;
  const int three = g.k_h == 3 && g.k_w == 3;
  for (int32_t c = 0, k = 0; c < depth; c += 4)
    for (int32_t t = 0; t < taps; t++, k += 2) {
      int32_t w = rt_load32(filter + t * depth + c);
      ws[k] = RT_SXTB16(w);
      ws[k + 1] = RT_SXTB16_ROR8(w);
    }
  int8_t *o = out;
#ifdef RT_HAVE_DW_PIXEL
  const int written_out = bias && step == 1 && short_rq && lo == -128 && hi == 127;
#endif
  for (int32_t b = 0; b < g.batches; b++) {
    const int8_t *in_b = in + b * g.in_h * in_row;
    for (int32_t oy = 0; oy < g.out_h; oy++) {
      const int32_t iy0 = oy * g.stride_h - g.pad_h;
      int32_t fy0, fy1;
      tap_range(iy0, g.dil_h, g.k_h, g.in_h, &fy0, &fy1);
      for (int32_t ox = 0; ox < g.out_w; ox++, o += depth) {
        const int32_t ix0 = ox * g.stride_w - g.pad_w;
        int32_t fx0, fx1;
        tap_range(ix0, g.dil_w, g.k_w, g.in_w, &fx0, &fx1);
        int32_t nfy = fy1 - fy0, nfx = fx1 - fx0;
        if (nfy < 0) nfy = 0;
        if (nfx < 0) nfx = 0;
        const int8_t *x0 = in_b + (iy0 + g.dil_h * fy0) * in_row + (ix0 + g.dil_w * fx0) * depth;
        const int32_t x_skip = g.dil_h * in_row - nfx * tap_step, w_skip = 2 * (g.k_w - nfx);
        const int32_t row_step = g.dil_h * in_row;
        const int32_t *wg = ws + 2 * (fy0 * g.k_w + fx0);
        const int whole = three && nfy == 3 && nfx == 3;
#ifdef RT_HAVE_DW_PIXEL
        if (written_out && nfy > 0 && nfx > 0) {
          rt_dw_ctx_t ctx = {x0, wg, nfy, nfx, tap_step, x_skip, 4 * w_skip, 8 * taps, bias, mult, shift, 2 * zp + 1, o,
                             o + depth, off_pair, row_step, nfx == 3 && g.k_w == 3 ? 1 + (nfy == 3) : 0};
          dw_pixel(&ctx);
          continue;
        }
#endif
        for (int32_t c = 0; c < depth; c += 4, wg += 2 * taps) {
          int32_t a0, a1, a2, a3;
          bias4(bias, c, &a0, &a1, &a2, &a3);
          const int8_t *px = x0 + c;
          if (whole) {
            dw3x3(px, tap_step, row_step, off_pair, wg, &a0, &a1, &a2, &a3);
          } else {
            const int32_t *pw = wg;
            for (int32_t fy = nfy; fy > 0; fy--, px += x_skip, pw += w_skip)
              for (int32_t fx = nfx; fx > 0; fx--, px += tap_step) dw_tap(px, off_pair, &pw, &a0, &a1, &a2, &a3);
          }
          dm1_store4(o + c, a0, a1, a2, a3, mult + c * step, shift + c * step, step, short_rq, zp, lo, hi);
        }
      }
    }
  }
}

/* One input channel, output channels a multiple of 4, contiguous taps in a row (micro_speech's first layer:
 * 10x8 taps, 8 output channels). Per group of four output channels the filter is packed into int16 pairs
 * of taps (f, f+2) and (f+1, f+3), zero past a row's last tap: then one input word, widened with the offset
 * by two SXTAB16, feeds eight SMLADs with no per-pixel unpacking (1 instruction per MAC against 2 when
 * every pixel unpacked with PKH). Taps outside the input read the input's zero point, which the offset
 * turns into 0. The packed filter is kept in the output's last rows, which this op writes last, so it
 * costs no arena (micro_speech's arena stays under TFLM's); those rows then take one tap at a time. */
static inline void packed_block(int32_t xw, const int32_t *pw, int32_t off_pair, int32_t *s0, int32_t *s1,
                                int32_t *s2, int32_t *s3) {
#if defined(__ARM_FEATURE_DSP) && defined(__ARM_FEATURE_SIMD32)
  int32_t y, u, v;
  __asm volatile("sxtab16 %[y], %[off], %[x], ror #8\n\t"
                 "sxtab16 %[x], %[off], %[x]\n\t"
                 "ldrd %[u], %[v], [%[w]]\n\t"
                 "smlad %[a0], %[x], %[u], %[a0]\n\t"
                 "smlad %[a0], %[y], %[v], %[a0]\n\t"
                 "ldrd %[u], %[v], [%[w], #8]\n\t"
                 "smlad %[a1], %[x], %[u], %[a1]\n\t"
                 "smlad %[a1], %[y], %[v], %[a1]\n\t"
                 "ldrd %[u], %[v], [%[w], #16]\n\t"
                 "smlad %[a2], %[x], %[u], %[a2]\n\t"
                 "smlad %[a2], %[y], %[v], %[a2]\n\t"
                 "ldrd %[u], %[v], [%[w], #24]\n\t"
                 "smlad %[a3], %[x], %[u], %[a3]\n\t"
                 "smlad %[a3], %[y], %[v], %[a3]\n\t"
                 : [a0] "+r"(*s0), [a1] "+r"(*s1), [a2] "+r"(*s2), [a3] "+r"(*s3), [x] "+r"(xw), [y] "=&r"(y),
                   [u] "=&r"(u), [v] "=&r"(v)
                 : [w] "r"(pw), [off] "r"(off_pair)
                 : "memory");
#else
  int32_t x02 = RT_SXTAB16(off_pair, xw), x13 = RT_SXTAB16_ROR8(off_pair, xw);
  *s0 = RT_SMLAD(x13, pw[1], RT_SMLAD(x02, pw[0], *s0));
  *s1 = RT_SMLAD(x13, pw[3], RT_SMLAD(x02, pw[2], *s1));
  *s2 = RT_SMLAD(x13, pw[5], RT_SMLAD(x02, pw[4], *s2));
  *s3 = RT_SMLAD(x13, pw[7], RT_SMLAD(x02, pw[6], *s3));
#endif
}

static inline uint32_t pack_pair(int32_t lo, int32_t hi) { return ((uint32_t)hi << 16) | ((uint32_t)lo & 0xFFFFu); }

/* The taps of one output pixel whose window lies inside the input, for one group of four channels:
 * `rows` rows of `blocks` input words each. */
typedef struct {
  const int8_t *px;   /* 0: input at the window's first tap of its first inside row */
  const int32_t *pw;  /* 4: packed filter at that row */
  int32_t rows;       /* 8: >= 1 */
  int32_t blocks;     /* 12: >= 1 */
  int32_t row_skip;   /* 16: bytes from past a row's last block to the next row's first */
  int32_t off_pair;   /* 20 */
  int32_t acc[4];     /* 24: in the bias, out the sums */
} rt_sp_ctx_t;

#if defined(__ARM_FEATURE_DSP) && defined(__ARM_FEATURE_SIMD32)
/* GCC keeps the C loop's counters on the stack (20 instructions a block): 17 here, all in registers. */
#define RT_SP_CH(a, o)                 \
  "ldrd r6, r7, [r9], #8\n\t"          \
  "smlad " a ", r4, r6, " a "\n\t"     \
  "smlad " a ", r5, r7, " a "\n\t"
__attribute__((naked, noinline, noipa)) static void sp_pixel(rt_sp_ctx_t *ctx) {
  (void)ctx;
  __asm volatile(
      "push {r4-r11, lr}\n\t"
      "mov lr, r0\n\t"
      "ldrd r8, r9, [lr]\n\t"
      "ldr r12, [lr, #8]\n\t"
      "ldr r10, [lr, #20]\n\t"
      "add r0, lr, #24\n\t"
      "ldm r0, {r0, r1, r2, r3}\n\t"
      "1:\n\t"
      "ldr r11, [lr, #12]\n\t"
      "2:\n\t"
      "ldr r4, [r8], #4\n\t"
      "sxtab16 r5, r10, r4, ror #8\n\t"
      "sxtab16 r4, r10, r4\n\t" RT_SP_CH("r0", "0") RT_SP_CH("r1", "8") RT_SP_CH("r2", "16") RT_SP_CH("r3", "24")
      "subs r11, r11, #1\n\t"
      "bne 2b\n\t"
      "ldr r4, [lr, #16]\n\t"
      "add r8, r8, r4\n\t"
      "subs r12, r12, #1\n\t"
      "bne 1b\n\t"
      "add r4, lr, #24\n\t"
      "stm r4, {r0, r1, r2, r3}\n\t"
      "pop {r4-r11, pc}\n\t");
}
#undef RT_SP_CH
#else
static void sp_pixel(rt_sp_ctx_t *ctx) {
  const int8_t *px = ctx->px;
  const int32_t *pw = ctx->pw;
  for (int32_t r = ctx->rows; r > 0; r--, px += ctx->row_skip)
    for (int32_t b = ctx->blocks; b > 0; b--, px += 4, pw += 8)
      packed_block(rt_load32(px), pw, ctx->off_pair, &ctx->acc[0], &ctx->acc[1], &ctx->acc[2], &ctx->acc[3]);
}
#endif

/* One input channel, four output channels c .. c+3 of one pixel, one tap at a time: `nfy` rows of `nfx`
 * taps from `px` (the first inside tap) and `pw` (its filter values for channel c). */
static inline __attribute__((always_inline)) void single4(const rt_conv_data_t *d, const int8_t *px,
                                                          const int8_t *pw, int32_t nfy, int32_t nfx,
                    const int32_t *bias, int32_t c, int8_t *o) {
  const rt_window_t *g = &d->g;
  const int32_t od = d->out_depth, off = d->input_offset, step = (int32_t)d->mult_step;
  int32_t a0, a1, a2, a3;
  bias4(bias, c, &a0, &a1, &a2, &a3);
  const int32_t row_step = g->dil_h * g->in_w, w_row = g->k_w * od, dil = g->dil_w;
  for (int32_t fy = 0; fy < nfy; fy++, px += row_step, pw += w_row) {
    for (int32_t fx = 0; fx < nfx; fx++) {
      const int32_t xv = px[dil * fx] + off, wv = rt_load32(pw + od * fx);
      const int32_t w02 = RT_SXTB16(wv), w13 = RT_SXTB16_ROR8(wv);
      a0 = RT_SMLABB(xv, w02, a0);
      a2 = RT_SMLABT(xv, w02, a2);
      a1 = RT_SMLABB(xv, w13, a1);
      a3 = RT_SMLABT(xv, w13, a3);
    }
  }
  dm1_store4(o, a0, a1, a2, a3, d->multiplier + c * step, d->shift + c * step, step, d->short_requant,
             d->output_offset, d->act_min, d->act_max);
}

/* noinline: compiled on its own, its code does not move with changes to eval's other paths. */
__attribute__((noinline)) static void single_packed(const rt_conv_data_t *d, const int8_t *in, const int8_t *filter,
                                                    const int32_t *bias, int8_t *out) {
  const rt_window_t g = d->g;
  const int32_t od = d->out_depth, step = (int32_t)d->mult_step, short_rq = d->short_requant;
  const int32_t zp = d->output_offset, lo = d->act_min, hi = d->act_max, off = d->input_offset;
  const int32_t off_pair = (int32_t)pack_pair(off, off);
  const uint32_t pad4 = 0x01010101u * (uint8_t)(-off); /* x + off == 0 */
  const int32_t nb = (g.k_w + 3) / 4, rows = g.batches * g.out_h, row_bytes = g.out_w * od;
  const int32_t packed = g.k_h * nb * 32;
  /* The packed filter sits word-aligned at the end of the output; the rows before it are computed from it. */
  const int32_t at = (rows * row_bytes - packed) & ~3;
  const int32_t fast_rows = at < 0 || g.in_w < 4 ? 0 : at / row_bytes;
  int32_t *ws = (int32_t *)(void *)(out + (at < 0 ? 0 : at));
  for (int32_t c = 0; c < od && fast_rows > 0; c += 4) {
    int32_t *p = ws;
    for (int32_t fy = 0; fy < g.k_h; fy++)
      for (int32_t f = 0; f < 4 * nb; f += 4)
        for (int32_t k = 0; k < 4; k++, p += 2) {
          int32_t w[4];
          for (int32_t t = 0; t < 4; t++) w[t] = f + t < g.k_w ? filter[(fy * g.k_w + f + t) * od + c + k] : 0;
          p[0] = (int32_t)pack_pair(w[0], w[2]);
          p[1] = (int32_t)pack_pair(w[1], w[3]);
        }
    int32_t b0, b1, b2, b3;
    bias4(bias, c, &b0, &b1, &b2, &b3);
    for (int32_t r = 0; r < fast_rows; r++) {
      const int32_t oy = r % g.out_h;
      const int8_t *in_b = in + (r / g.out_h) * g.in_h * g.in_w;
      const int32_t iy0 = oy * g.stride_h - g.pad_h;
      int32_t fy0, fy1;
      tap_range(iy0, g.dil_h, g.k_h, g.in_h, &fy0, &fy1);
      int8_t *o = out + r * row_bytes + c;
      if (fy1 <= fy0) fy1 = fy0; /* no inside row: the bias alone */
      const int8_t *row0 = in_b + (iy0 + g.dil_h * fy0) * g.in_w;
      rt_sp_ctx_t ctx = {row0, ws + fy0 * nb * 8, fy1 - fy0, nb, g.dil_h * g.in_w - 4 * nb, off_pair, {0, 0, 0, 0}};
      for (int32_t ox = 0, ix0 = -g.pad_w; ox < g.out_w; ox++, o += od, ix0 += g.stride_w) {
        ctx.acc[0] = b0;
        ctx.acc[1] = b1;
        ctx.acc[2] = b2;
        ctx.acc[3] = b3;
        if (ix0 >= 0 && ix0 + 4 * nb <= g.in_w) {
          ctx.px = row0 + ix0;
          if (ctx.rows > 0) sp_pixel(&ctx);
        } else {
          /* Part of the window is outside the row: its words are shifted in from inside the row. */
          const int32_t *pw = ctx.pw;
          const int8_t *row = row0;
          for (int32_t fy = fy0; fy < fy1; fy++, row += g.dil_h * g.in_w)
            for (int32_t b = 0; b < nb; b++, pw += 8) {
              int32_t xw;
              if (rt_window_word(row, ix0 + 4 * b, g.in_w, pad4, &xw))
                packed_block(xw, pw, off_pair, &ctx.acc[0], &ctx.acc[1], &ctx.acc[2], &ctx.acc[3]);
            }
        }
        store4_inline(o, ctx.acc[0], ctx.acc[1], ctx.acc[2], ctx.acc[3], d->multiplier + c * step, d->shift + c * step,
                   step, short_rq, zp, lo, hi);
      }
    }
  }
  /* The rows that held the packed filter: one tap at a time, four channels per pass. */
  for (int32_t r = fast_rows; r < rows; r++) {
    const int32_t oy = r % g.out_h;
    const int8_t *in_b = in + (r / g.out_h) * g.in_h * g.in_w;
    const int32_t iy0 = oy * g.stride_h - g.pad_h;
    int32_t fy0, fy1;
    tap_range(iy0, g.dil_h, g.k_h, g.in_h, &fy0, &fy1);
    int8_t *o = out + r * row_bytes;
    for (int32_t ox = 0; ox < g.out_w; ox++) {
      const int32_t ix0 = ox * g.stride_w - g.pad_w;
      int32_t fx0, fx1;
      tap_range(ix0, g.dil_w, g.k_w, g.in_w, &fx0, &fx1);
      const int32_t nfy = fy1 > fy0 ? fy1 - fy0 : 0, nfx = fx1 > fx0 ? fx1 - fx0 : 0;
      const int8_t *px = in_b + (iy0 + g.dil_h * fy0) * g.in_w + ix0 + fx0;
      for (int32_t c = 0; c < od; c += 4, o += 4)
        single4(d, px, filter + (fy0 * g.k_w + fx0) * od + c, nfy, nfx, bias, c, o);
    }
  }
}

static int eval(rt_interp_t *rt, rt_node_t *node) {
  const rt_conv_data_t *d = node->data;
  const rt_window_t *g = &d->g;
  const rt_tensor_t *bias_t = rt_input(rt, node, 2);
  const int8_t *in = rt_input(rt, node, 0)->data;
  const int8_t *filter = rt_input(rt, node, 1)->data;
  const int32_t *bias = bias_t ? bias_t->data : 0;
  int8_t *out = rt_output(rt, node, 0)->data;
  const int32_t in_depth = d->in_depth, out_depth = d->out_depth, dm = d->depth_multiplier;
  const int32_t off = d->input_offset;
  const int fast_single = in_depth == 1 && (out_depth & 3) == 0;
  const int fast_dm1 = dm == 1 && (in_depth & 3) == 0;
  if (fast_dm1) {
    dm1(d, in, filter, bias, out, node->scratch);
    return 0;
  }
  if (fast_single && g->dil_w == 1) {
    single_packed(d, in, filter, bias, out);
    return 0;
  }
  const int32_t in_row = g->in_w * in_depth, tap_step = g->dil_w * in_depth;
  for (int32_t b = 0; b < g->batches; b++) {
    const int8_t *in_b = in + b * g->in_h * in_row;
    for (int32_t oy = 0; oy < g->out_h; oy++) {
      const int32_t iy0 = oy * g->stride_h - g->pad_h;
      int32_t fy0, fy1;
      tap_range(iy0, g->dil_h, g->k_h, g->in_h, &fy0, &fy1);
      for (int32_t ox = 0; ox < g->out_w; ox++) {
        const int32_t ix0 = ox * g->stride_w - g->pad_w;
        int32_t fx0, fx1;
        tap_range(ix0, g->dil_w, g->k_w, g->in_w, &fx0, &fx1);
        int8_t *o = out + ((b * g->out_h + oy) * g->out_w + ox) * out_depth;
        if (fast_single && (out_depth & 7) == 0) {
          /* One input value per tap feeds eight channels: load it once for all eight. */
          for (int32_t c = 0; c < out_depth; c += 8) {
            int32_t a[8];
            for (int k = 0; k < 8; k++) a[k] = bias ? bias[c + k] : 0;
            int32_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], a4 = a[4], a5 = a[5], a6 = a[6], a7 = a[7];
            for (int32_t fy = fy0; fy < fy1; fy++) {
              const int8_t *px = in_b + (iy0 + g->dil_h * fy) * in_row + (ix0 + g->dil_w * fx0);
              const int8_t *pw = filter + (fy * g->k_w + fx0) * out_depth + c;
              for (int32_t n = fx1 - fx0; n > 0; n--) {
                int32_t x = *px + off;
                int32_t w = rt_load32(pw), v = rt_load32(pw + 4);
                int32_t w02 = RT_SXTB16(w), w13 = RT_SXTB16_ROR8((w));
                int32_t v02 = RT_SXTB16(v), v13 = RT_SXTB16_ROR8((v));
                a0 = RT_SMLABB(x, w02, a0);
                a2 = RT_SMLABT(x, w02, a2);
                a1 = RT_SMLABB(x, w13, a1);
                a3 = RT_SMLABT(x, w13, a3);
                a4 = RT_SMLABB(x, v02, a4);
                a6 = RT_SMLABT(x, v02, a6);
                a5 = RT_SMLABB(x, v13, a5);
                a7 = RT_SMLABT(x, v13, a7);
                px += tap_step;
                pw += out_depth;
              }
            }
            o[c] = requant(d, a0, c);
            o[c + 1] = requant(d, a1, c + 1);
            o[c + 2] = requant(d, a2, c + 2);
            o[c + 3] = requant(d, a3, c + 3);
            o[c + 4] = requant(d, a4, c + 4);
            o[c + 5] = requant(d, a5, c + 5);
            o[c + 6] = requant(d, a6, c + 6);
            o[c + 7] = requant(d, a7, c + 7);
          }
        } else if (fast_single) {
          for (int32_t c = 0; c < out_depth; c += 4)
            single4(d, in_b + (iy0 + g->dil_h * fy0) * in_row + ix0 + g->dil_w * fx0,
                    filter + (fy0 * g->k_w + fx0) * out_depth + c,
                    fy1 - fy0, fx1 - fx0, bias, c, o + c);
        } else {
          for (int32_t oc = 0; oc < out_depth; oc++) {
            const int32_t ic = oc / dm;
            int32_t acc = bias ? bias[oc] : 0;
            for (int32_t fy = fy0; fy < fy1; fy++) {
              const int8_t *px = in_b + (iy0 + g->dil_h * fy) * in_row + (ix0 + g->dil_w * fx0) * in_depth + ic;
              const int8_t *pw = filter + (fy * g->k_w + fx0) * out_depth + oc;
              for (int32_t fx = fx0; fx < fx1; fx++) {
                acc += *pw * (*px + off);
                px += tap_step;
                pw += out_depth;
              }
            }
            o[oc] = requant(d, acc, oc);
          }
        }
      }
    }
  }
  return 0;
}

/* dm1 and the general loops write one pixel at a time in raster order; single_packed keeps its packed filter
 * at the end of the output, so its output cannot share the input's memory. */
static int32_t overlap(const rt_node_t *node) {
  const rt_conv_data_t *d = node->data;
  if (d->in_depth == 1 && (d->out_depth & 3) == 0 && d->g.dil_w == 1) return -1;
  return rt_window_overlap(d, 1, 0);
}

RT_DEFINE_KERNEL_WITH_OVERLAP(DEPTHWISE_CONV_2D, 4, 0, prepare, eval, overlap);

/* DEPTHWISE_CONV_2D_ONE_CHANNEL (runtime.h): single_packed alone, for models like micro_speech. */
static int prepare_one_channel(rt_interp_t *rt, rt_node_t *node) {
  int rc = prepare(rt, node);
  return rc ? rc : rt_depthwise_one_channel_fits(rt, node);
}

static int eval_one_channel(rt_interp_t *rt, rt_node_t *node) {
  const rt_tensor_t *bias_t = rt_input(rt, node, 2);
  single_packed(node->data, rt_input(rt, node, 0)->data, rt_input(rt, node, 1)->data, bias_t ? bias_t->data : 0,
                rt_output(rt, node, 0)->data);
  return 0;
}

RT_DEFINE_VARIANT(DEPTHWISE_CONV_2D, ONE_CHANNEL, prepare_one_channel, eval_one_channel);

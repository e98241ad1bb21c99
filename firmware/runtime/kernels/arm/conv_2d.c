/* CONV_2D, DSP twin: a matrix product over two output pixels and two output channels per pass.
 *
 * The receptive fields of two output pixels are gathered into int16 scratch with the input offset added
 * (padding as 0: the reference skips those taps, and a zero contributes nothing), interleaved so that
 * for every four values k..k+3 the words are A(k, k+2) A(k+1, k+3) B(k, k+2) B(k+1, k+3). A filter word
 * then unpacks with SXTB16 / SXTB16 ROR 8 into the matching lanes and each SMLAD does two MACs: per four
 * values, 2 filter loads, 4 unpacks and 8 SMLADs do 16 MACs. A 1x1 convolution's field is a contiguous
 * row of the input, so its gather is a widening copy (no im2col); so is any row of taps that lies inside
 * the input when a row holds a multiple of four values (DS-CNN's 10x4 first layer). Grouped convolutions
 * use the reference loop. */
#include "conv.h"
#include "dsp.h"
#include "quant.h"
#include "mat_mult.h"
#include "requant.h"

static int32_t col_len(const rt_conv_data_t *d) { return d->g.k_h * d->g.k_w * d->filter_in_depth; }

static int prepare(rt_interp_t *rt, rt_node_t *node) {
  int rc = rt_conv_prepare(rt, node);
  if (rc) return rc;
  rt_conv_data_t *d = node->data;
  const rt_tensor_t *bias = rt_input(rt, node, 2);
  d->short_requant = (!bias || (bias->flags & RT_T_CONST)) &&
                     rt_mbqm_short_ok(d->shift, d->mult_step ? (uint32_t)d->out_depth : 1u,
                                      bias ? bias->data : 0, (uint32_t)d->out_depth, (uint32_t)col_len(d));
  if (d->groups != 1) return 0;
  return rt_request_scratch(rt, node, sizeof(int16_t) * 4u * (size_t)col_len(d) + 8u);
}

/* gather for one input channel and undilated rows of a multiple of four taps (DS-CNN's 10x4 first layer):
 * every word of a row is loaded whole, or shifted in from inside the row with the zero point where the
 * window passes the row's ends, and widened; no byte-wise padded copy. */
__attribute__((noinline)) static void gather_rows1(const rt_conv_data_t *d, const int8_t *in, int32_t p,
                                                   int16_t *col, int32_t which, int32_t ncols) {
  const rt_window_t *g = &d->g;
  const int32_t ox = p % g->out_w, t = p / g->out_w, oy = t % g->out_h, b = t / g->out_h;
  const int32_t iy0 = oy * g->stride_h - g->pad_h, ix0 = ox * g->stride_w - g->pad_w;
  const int32_t off = d->input_offset, words = g->k_w / 4, in_w = g->in_w, in_h = g->in_h;
  const int32_t off_pair = (int32_t)(((uint32_t)off << 16) | ((uint32_t)off & 0xFFFFu)), gs = 2 * ncols;
  const uint32_t pad4 = 0x01010101u * (uint8_t)(-off); /* x + off == 0 */
  const int cols_in = ix0 >= 0 && ix0 + g->k_w <= in_w;
  const int8_t *row = in + b * in_h * in_w + iy0 * in_w;
  const int32_t row_step = g->dil_h * in_w;
  int32_t *dst = (int32_t *)(void *)col + 2 * which;
  if (words == 1) { /* a row is one word (DS-CNN): one load or shift, two widenings; pad4 widens to 0 */
    for (int32_t fy = g->k_h, iy = iy0; fy > 0; fy--, iy += g->dil_h, row += row_step, dst += gs) {
      int32_t v = (int32_t)pad4;
      if ((uint32_t)iy < (uint32_t)in_h) {
        if (cols_in)
          v = rt_load32(row + ix0);
        else
          rt_window_word(row, ix0, in_w, pad4, &v);
      }
      dst[0] = RT_SXTAB16(off_pair, v);
      dst[1] = RT_SXTAB16_ROR8(off_pair, v);
    }
    return;
  }
  for (int32_t fy = 0, iy = iy0; fy < g->k_h; fy++, iy += g->dil_h, row += row_step) {
    if ((uint32_t)iy >= (uint32_t)in_h) {
      for (int32_t w = 0; w < words; w++, dst += gs) dst[0] = dst[1] = 0;
    } else if (cols_in) {
      for (int32_t w = 0; w < words; w++, dst += gs) {
        const int32_t v = rt_load32(row + ix0 + 4 * w);
        dst[0] = RT_SXTAB16(off_pair, v);
        dst[1] = RT_SXTAB16_ROR8(off_pair, v);
      }
    } else {
      for (int32_t w = 0; w < words; w++, dst += gs) {
        int32_t v = (int32_t)pad4;
        rt_window_word(row, ix0 + 4 * w, in_w, pad4, &v);
        dst[0] = RT_SXTAB16(off_pair, v);
        dst[1] = RT_SXTAB16_ROR8(off_pair, v);
      }
    }
  }
}

/* gather for a 1x1 field of a multiple of four channels (DS-CNN's pointwise layers): a widening copy of
 * the input pixel, a word at a time (the general loop took 16 instructions a word). */
__attribute__((noinline)) static void gather_1x1(const rt_conv_data_t *d, const int8_t *in, int32_t p, int16_t *col,
                                                 int32_t which, int32_t ncols) {
  const rt_window_t *g = &d->g;
  const int32_t ox = p % g->out_w, t = p / g->out_w, oy = t % g->out_h, b = t / g->out_h;
  const int32_t iy = oy * g->stride_h - g->pad_h, ix = ox * g->stride_w - g->pad_w, depth = d->in_depth;
  const int32_t off = d->input_offset, gs = 2 * ncols;
  const int32_t off_pair = (int32_t)(((uint32_t)off << 16) | ((uint32_t)off & 0xFFFFu));
  int32_t *dst = (int32_t *)(void *)col + 2 * which;
  if ((uint32_t)iy >= (uint32_t)g->in_h || (uint32_t)ix >= (uint32_t)g->in_w) {
    for (int32_t w = depth / 4; w > 0; w--, dst += gs) dst[0] = dst[1] = 0;
    return;
  }
  const int8_t *src = in + ((b * g->in_h + iy) * g->in_w + ix) * depth;
  for (int32_t w = depth / 4; w > 0; w--, src += 4, dst += gs) {
    const int32_t v = rt_load32(src);
    dst[0] = RT_SXTAB16(off_pair, v);
    dst[1] = RT_SXTAB16_ROR8(off_pair, v);
  }
}

/* Writes output pixel p's receptive field as column `which` (0: A, 1: B) of the interleaved scratch. */
static void gather(const rt_conv_data_t *d, const int8_t *in, int32_t p, int16_t *col, int32_t which,
                   int32_t ncols) {
  const rt_window_t *g = &d->g;
  if (g->k_h == 1 && g->k_w == 1 && (d->in_depth & 3) == 0) {
    gather_1x1(d, in, p, col, which, ncols);
    return;
  }
  if (d->in_depth == 1 && g->dil_w == 1 && (g->k_w & 3) == 0 && g->in_w >= 4) {
    gather_rows1(d, in, p, col, which, ncols);
    return;
  }
  const int32_t ox = p % g->out_w, t = p / g->out_w, oy = t % g->out_h, b = t / g->out_h;
  const int32_t iy0 = oy * g->stride_h - g->pad_h, ix0 = ox * g->stride_w - g->pad_w;
  const int32_t depth = d->in_depth, off = d->input_offset, row_len = g->k_w * depth;
  const int32_t off_pair = (int32_t)(((uint32_t)off << 16) | ((uint32_t)off & 0xFFFFu));
  const int32_t K = col_len(d), groups = K / 4;
  const int8_t *in_b = in + b * g->in_h * g->in_w * depth;
  /* Rows of four-value groups are widened a word at a time. A row partly outside the input is first
   * copied with the input's zero point in the outside taps, which the offset turns into the 0 the
   * reference's skipped taps amount to. */
  const int cols_in = ix0 >= 0 && ix0 + g->k_w <= g->in_w;
  const int rows_whole = (row_len & 3) == 0 && g->dil_w == 1 && (cols_in || row_len <= 64);
  int8_t padded[64];
  const int32_t gs = 2 * ncols; /* words per group of four values */
  int32_t *cw = (int32_t *)(void *)col + 2 * which;
  for (int32_t fy = 0; fy < g->k_h; fy++) {
    const int32_t iy = iy0 + g->dil_h * fy;
    const int row_in = iy >= 0 && iy < g->in_h;
    if (rows_whole) {
      int32_t *dst = cw + fy * (row_len / 4) * gs, *end = dst + (row_len / 4) * gs;
      if (!row_in) {
        for (; dst < end; dst += gs) dst[0] = dst[1] = 0;
        continue;
      }
      const int8_t *row = in_b + iy * g->in_w * depth, *src = padded;
      if (cols_in) {
        src = row + ix0 * depth;
      } else {
        for (int32_t fx = 0; fx < g->k_w; fx++) {
          const int32_t ix = ix0 + fx;
          for (int32_t c = 0; c < depth; c++)
            padded[fx * depth + c] = (int8_t)(ix >= 0 && ix < g->in_w ? row[ix * depth + c] : -off);
        }
      }
      for (; dst < end; dst += gs, src += 4) {
        int32_t v = rt_load32(src);
        dst[0] = RT_SXTAB16(off_pair, v);
        dst[1] = RT_SXTAB16_ROR8(off_pair, v);
      }
      continue;
    }
    for (int32_t fx = 0; fx < g->k_w; fx++) {
      const int32_t ix = ix0 + g->dil_w * fx;
      const int inside = row_in && ix >= 0 && ix < g->in_w;
      const int8_t *x = in_b + (iy * g->in_w + ix) * depth;
      for (int32_t c = 0, k = (fy * g->k_w + fx) * depth; c < depth; c++, k++) {
        int32_t pos = k < groups * 4 ? ((k >> 2) * gs + 2 * which + (k & 1)) * 2 + ((k >> 1) & 1)
                                     : groups * 2 * gs + (k - groups * 4) * ncols + which;
        col[pos] = (int16_t)(inside ? x[c] + off : 0);
      }
    }
  }
}

static void grouped(const rt_conv_data_t *d, const int8_t *in, const int8_t *filter, const int32_t *bias,
                    int8_t *out) {
  const rt_window_t *g = &d->g;
  const int32_t in_depth = d->in_depth, out_depth = d->out_depth, fin = d->filter_in_depth;
  const int32_t per_group = out_depth / d->groups;
  for (int32_t b = 0; b < g->batches; b++) {
    const int8_t *in_b = in + b * g->in_h * g->in_w * in_depth;
    for (int32_t oy = 0; oy < g->out_h; oy++) {
      const int32_t iy0 = oy * g->stride_h - g->pad_h;
      for (int32_t ox = 0; ox < g->out_w; ox++) {
        const int32_t ix0 = ox * g->stride_w - g->pad_w;
        int8_t *o = out + ((b * g->out_h + oy) * g->out_w + ox) * out_depth;
        for (int32_t oc = 0; oc < out_depth; oc++) {
          const int32_t c0 = (oc / per_group) * fin;
          int32_t acc = bias ? bias[oc] : 0;
          for (int32_t fy = 0; fy < g->k_h; fy++) {
            const int32_t iy = iy0 + g->dil_h * fy;
            if (iy < 0 || iy >= g->in_h) continue;
            for (int32_t fx = 0; fx < g->k_w; fx++) {
              const int32_t ix = ix0 + g->dil_w * fx;
              if (ix < 0 || ix >= g->in_w) continue;
              const int8_t *x = in_b + (iy * g->in_w + ix) * in_depth + c0;
              const int8_t *w = filter + ((oc * g->k_h + fy) * g->k_w + fx) * fin;
              for (int32_t c = 0; c < fin; c++) acc += w[c] * (x[c] + d->input_offset);
            }
          }
          o[oc] = (int8_t)rt_clamp(rt_mbqm(acc, d->multiplier[oc * d->mult_step], d->shift[oc * d->mult_step]) +
                                       d->output_offset,
                                   d->act_min, d->act_max);
        }
      }
    }
  }
}

#if defined(__ARM_FEATURE_DSP) && defined(__ARM_FEATURE_SIMD32)
/* Every output channel of four pixels, written out for the M4. The four columns are interleaved per group
 * of four values (A02 A13 B02 B13 C02 C13 D02 D13), so one filter word, unpacked once, serves four pixels:
 * per group 1 LDR, 2 SXTB16, 2 LDM and 8 SMLAD do 16 MACs, and each channel's multiplier and shift are
 * loaded once for its four outputs. GCC spills this loop; here it runs in the 13 registers it needs.
 * Preconditions (the caller's): an even number of groups >= 2 and no tail, a bias, one multiplier per
 * channel, rt_mbqm_short exact, the full int8 output range. */
typedef struct {
  const int32_t *col, *col_end; /* 0, 4 */
  const int8_t *w;               /* 8: filter row of channel 0 (the rows follow each other) */
  const int32_t *bias, *mult;    /* 12, 16: of channel 0, indexed by oc */
  const int8_t *shift;           /* 20 */
  int32_t zp2;                   /* 24: 2 zp + 1 */
  int8_t *o[4];                  /* 28..40: the four pixels' outputs */
  int32_t oc, channels;          /* 44, 48 */
} rt_quad_ctx_t;

#define RT_QUAD_GROUP                 \
  "ldr r12, [r5], #4\n\t"             \
  "sxtb16 lr, r12\n\t"                \
  "sxtb16 r12, r12, ror #8\n\t"       \
  "ldmia r4!, {r8, r9, r10, r11}\n\t" \
  "smlad r0, r8, lr, r0\n\t"          \
  "smlad r0, r9, r12, r0\n\t"         \
  "smlad r1, r10, lr, r1\n\t"         \
  "smlad r1, r11, r12, r1\n\t"        \
  "ldmia r4!, {r8, r9, r10, r11}\n\t" \
  "smlad r2, r8, lr, r2\n\t"          \
  "smlad r2, r9, r12, r2\n\t"         \
  "smlad r3, r10, lr, r3\n\t"         \
  "smlad r3, r11, r12, r3\n\t"
/* acc -> requantized, with r8 = multiplier, r9 = r - 1, r11 = 2 zp + 1: rt_mbqm_short plus zp as
 * floor((floor((s - (s < 0)) / 2^(r-1)) + 1 + 2 zp) / 2), the same value for every s (see
 * depthwise_conv_2d.c's RT_DWP_RQ), SSAT's shift doing the last halving. */
#define RT_QUAD_RQ(a)                   \
  "lsl " a ", " a ", #1\n\t"            \
  "smmulr " a ", " a ", r8\n\t"         \
  "sub " a ", " a ", " a ", lsr #31\n\t" \
  "asr " a ", " a ", r9\n\t"            \
  "add " a ", " a ", r11\n\t"           \
  "ssat " a ", #8, " a ", asr #1\n\t"

__attribute__((naked)) static void conv_quad(rt_quad_ctx_t *ctx) {
  (void)ctx;
  __asm volatile(
      "push {r4-r11, lr}\n\t"
      "mov r6, r0\n\t"
      "ldr r5, [r6, #8]\n\t"
      "ldr r12, [r6, #44]\n\t"
      "1:\n\t"
      "ldr lr, [r6, #12]\n\t"
      "ldr r0, [lr, r12, lsl #2]\n\t"
      "mov r1, r0\n\t"
      "mov r2, r0\n\t"
      "mov r3, r0\n\t"
      "ldrd r4, r7, [r6]\n\t"
      "sub r12, r7, r4\n\t"
      "tst r12, #64\n\t"
      "beq 2f\n\t"
      "3:\n\t" RT_QUAD_GROUP RT_QUAD_GROUP
      "cmp r4, r7\n\t"
      "beq 4f\n\t"
      "2:\n\t" RT_QUAD_GROUP RT_QUAD_GROUP RT_QUAD_GROUP RT_QUAD_GROUP
      "cmp r4, r7\n\t"
      "bne 2b\n\t"
      "4:\n\t"
      "ldr r12, [r6, #44]\n\t"
      "ldr lr, [r6, #16]\n\t"
      "ldr r8, [lr, r12, lsl #2]\n\t"
      "ldr lr, [r6, #20]\n\t"
      "ldrsb r9, [lr, r12]\n\t"
      "mvn r9, r9\n\t"
      "ldr r11, [r6, #24]\n\t" RT_QUAD_RQ("r0") RT_QUAD_RQ("r1") RT_QUAD_RQ("r2") RT_QUAD_RQ("r3")
      "add lr, r6, #28\n\t"
      "ldmia lr, {r4, r7, r8, r9}\n\t"
      "strb r0, [r4, r12]\n\t"
      "strb r1, [r7, r12]\n\t"
      "strb r2, [r8, r12]\n\t"
      "strb r3, [r9, r12]\n\t"
      "add r12, r12, #1\n\t"
      "str r12, [r6, #44]\n\t"
      "ldr r10, [r6, #48]\n\t"
      "cmp r12, r10\n\t"
      "bne 1b\n\t"
      "pop {r4-r11, pc}\n\t");
}
#undef RT_QUAD_GROUP
#undef RT_QUAD_RQ
#define RT_HAVE_CONV_QUAD 1
#endif

#if defined(__ARM_FEATURE_DSP) && defined(__ARM_FEATURE_SIMD32)
/* One column against four filter rows (K apart), for single_pixel: GCC spills the C loop (worse than the
 * pair product), here 23 instructions a group of four values in registers. Needs at least one group. */
typedef struct {
  const int32_t *col, *col_end; /* 0, 4 */
  const int8_t *w;               /* 8: row of the first channel */
  int32_t K;                     /* 12 */
  int32_t acc[4];                /* 16: in the bias, out the sums */
} rt_mm1x4_ctx_t;

#define RT_MM1X4_ROW(load, a)     \
  load "\n\t"                     \
  "sxtb16 r11, r10\n\t"           \
  "sxtb16 r10, r10, ror #8\n\t"   \
  "smlad " a ", r6, r11, " a "\n\t" \
  "smlad " a ", r7, r10, " a "\n\t"
__attribute__((naked, noinline, noipa)) static void rt_mm1x4(rt_mm1x4_ctx_t *ctx) {
  (void)ctx;
  __asm volatile(
      "push {r4-r11, lr}\n\t"
      "mov lr, r0\n\t"
      "ldrd r4, r5, [lr]\n\t"
      "ldrd r8, r12, [lr, #8]\n\t"
      "add r9, r8, r12, lsl #1\n\t"
      "add r0, lr, #16\n\t"
      "ldm r0, {r0, r1, r2, r3}\n\t"
      "1:\n\t"
      "ldrd r6, r7, [r4], #8\n\t" RT_MM1X4_ROW("ldr r10, [r8, r12]", "r1") RT_MM1X4_ROW("ldr r10, [r8], #4", "r0")
          RT_MM1X4_ROW("ldr r10, [r9, r12]", "r3") RT_MM1X4_ROW("ldr r10, [r9], #4", "r2")
      "cmp r4, r5\n\t"
      "bne 1b\n\t"
      "add r4, lr, #16\n\t"
      "stm r4, {r0, r1, r2, r3}\n\t"
      "pop {r4-r11, pc}\n\t");
}
#undef RT_MM1X4_ROW
#define RT_HAVE_MM1X4 1
#endif

/* The last pixel of an odd count, four channels per pass (channels a multiple of 4, no tail): the pair
 * product would compute it twice (the streaming ds_cnn's five-pixel rows: 21 instead of 30 instructions
 * per 16 MACs). `cw` is its column gathered alone (ncols 1: words (k, k+2) (k+1, k+3) per group). */
static void single_pixel(const rt_conv_data_t *d, const int32_t *cw, int32_t groups, const int8_t *filter,
                         const int32_t *bias, int8_t *o) {
  const int32_t od = d->out_depth, K = 4 * groups, step = (int32_t)d->mult_step, zp = d->output_offset;
  const int32_t lo = d->act_min, hi = d->act_max, short_rq = d->short_requant;
  for (int32_t oc = 0; oc < od; oc += 4) {
    int32_t acc[4];
    for (int32_t j = 0; j < 4; j++) acc[j] = bias ? bias[oc + j] : 0;
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    const int8_t *w0 = filter + oc * K, *w2 = w0 + 2 * K;
#ifdef RT_HAVE_MM1X4
    rt_mm1x4_ctx_t ctx = {cw, cw + 2 * groups, w0, K, {a0, a1, a2, a3}};
    (void)w2;
    rt_mm1x4(&ctx);
    a0 = ctx.acc[0];
    a1 = ctx.acc[1];
    a2 = ctx.acc[2];
    a3 = ctx.acc[3];
#else
    const int8_t *w1 = w0 + K, *w3 = w2 + K;
    const int32_t *c = cw;
    for (int32_t g = 0; g < groups; g++, c += 2, w0 += 4, w1 += 4, w2 += 4, w3 += 4) {
      const int32_t x02 = c[0], x13 = c[1];
      int32_t v = rt_load32(w0);
      a0 = RT_SMLAD(x13, RT_SXTB16_ROR8(v), RT_SMLAD(x02, RT_SXTB16(v), a0));
      v = rt_load32(w1);
      a1 = RT_SMLAD(x13, RT_SXTB16_ROR8(v), RT_SMLAD(x02, RT_SXTB16(v), a1));
      v = rt_load32(w2);
      a2 = RT_SMLAD(x13, RT_SXTB16_ROR8(v), RT_SMLAD(x02, RT_SXTB16(v), a2));
      v = rt_load32(w3);
      a3 = RT_SMLAD(x13, RT_SXTB16_ROR8(v), RT_SMLAD(x02, RT_SXTB16(v), a3));
    }
#endif
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
    for (int32_t j = 0; j < 4; j++) {
      const int32_t m = d->multiplier[(oc + j) * step], sh = d->shift[(oc + j) * step];
      const int32_t r = (short_rq ? rt_mbqm_short(acc[j], m, -sh) : rt_mbqm(acc[j], m, sh)) + zp;
      o[oc + j] = (int8_t)rt_clamp(r, lo, hi);
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
  if (d->groups != 1) {
    grouped(d, in, filter, bias, out);
    return 0;
  }
  /* Everything the passes read, in locals: the int8 output stores could alias the op data. */
  const int32_t out_depth = d->out_depth, pixels = g->batches * g->out_h * g->out_w;
  const int32_t K = col_len(d), groups = K / 4, step = (int32_t)d->mult_step;
  const int32_t zp = d->output_offset, lo = d->act_min, hi = d->act_max, short_rq = d->short_requant;
  const int full_range = lo == -128 && hi == 127;
  const int32_t *mult = d->multiplier;
  const int8_t *shift = d->shift;
  int16_t *col = node->scratch;
  const int16_t *tail = col + 8 * groups;
  int32_t done_pixels = 0;
#ifdef RT_HAVE_CONV_QUAD
  if (groups >= 2 && (groups & 1) == 0 && K == 4 * groups && bias && step == 1 && short_rq && full_range) {
    /* One or two pixels past the last whole quad take the pair product below: a padded quad would compute
     * four pixels for them (the streaming ds_cnn's five-pixel rows: 8 computed for 5). Three take a quad. */
    const int32_t rest = pixels & 3, quads_end = rest == 1 || rest == 2 ? pixels - rest : pixels;
    for (int32_t p = 0; p < quads_end; p += 4) {
      /* Past the last pixel, the last one again: its bytes are written more than once, all equal. */
      int32_t px[4];
      for (int32_t j = 0; j < 4; j++) {
        px[j] = p + j < pixels ? p + j : pixels - 1;
        gather(d, in, px[j], col, j, 4);
      }
      const int32_t *cw = (const int32_t *)(const void *)col;
      rt_quad_ctx_t ctx = {cw, cw + 8 * groups, filter, bias, mult, shift, 2 * zp + 1,
                           {out + px[0] * out_depth, out + px[1] * out_depth, out + px[2] * out_depth,
                            out + px[3] * out_depth}, 0, out_depth};
      conv_quad(&ctx);
    }
    done_pixels = quads_end;
  }
#endif
  if (pixels - done_pixels == 1 && (out_depth & 3) == 0 && K == 4 * groups && groups > 0) {
    gather(d, in, done_pixels, col, 0, 1);
    single_pixel(d, (const int32_t *)(const void *)col, groups, filter, bias, out + done_pixels * out_depth);
    return 0;
  }
  for (int32_t p = done_pixels; p < pixels; p += 2) {
    /* An odd last pixel is computed twice (as A and B); both write the same bytes. */
    const int32_t q = p + 1 < pixels ? p + 1 : p;
    gather(d, in, p, col, 0, 2);
    gather(d, in, q, col, 1, 2);
    int8_t *oa = out + p * out_depth, *ob = out + q * out_depth;
    for (int32_t oc = 0; oc < out_depth; oc += 2) {
      const int32_t oc2 = oc + 1 < out_depth ? oc + 1 : oc; /* an odd last channel twice, too */
      const int8_t *wa = filter + oc * K, *wb = filter + oc2 * K;
      int32_t a0 = bias ? bias[oc] : 0, a1 = bias ? bias[oc2] : 0;
      int32_t b0 = a0, b1 = a1;
      const int32_t *cw = (const int32_t *)(const void *)col;
      rt_mm2x2_q15(&cw, &wa, &wb, groups, &a0, &a1, &b0, &b1);
      for (int32_t k = 0; k < K - 4 * groups; k++) {
        a0 += wa[k] * tail[2 * k];
        b0 += wa[k] * tail[2 * k + 1];
        a1 += wb[k] * tail[2 * k];
        b1 += wb[k] * tail[2 * k + 1];
      }
      const int32_t m0 = mult[oc * step], m1 = mult[oc2 * step], sh0 = shift[oc * step], sh1 = shift[oc2 * step];
      if (short_rq) {
        a0 = rt_mbqm_short(a0, m0, -sh0);
        b0 = rt_mbqm_short(b0, m0, -sh0);
        a1 = rt_mbqm_short(a1, m1, -sh1);
        b1 = rt_mbqm_short(b1, m1, -sh1);
      } else {
        a0 = rt_mbqm(a0, m0, sh0);
        b0 = rt_mbqm(b0, m0, sh0);
        a1 = rt_mbqm(a1, m1, sh1);
        b1 = rt_mbqm(b1, m1, sh1);
      }
      if (full_range) {
        oa[oc] = (int8_t)rt_sat8(a0 + zp);
        ob[oc] = (int8_t)rt_sat8(b0 + zp);
        oa[oc2] = (int8_t)rt_sat8(a1 + zp);
        ob[oc2] = (int8_t)rt_sat8(b1 + zp);
      } else {
        oa[oc] = (int8_t)rt_clamp(a0 + zp, lo, hi);
        ob[oc] = (int8_t)rt_clamp(b0 + zp, lo, hi);
        oa[oc2] = (int8_t)rt_clamp(a1 + zp, lo, hi);
        ob[oc2] = (int8_t)rt_clamp(b1 + zp, lo, hi);
      }
    }
  }
  return 0;
}

/* Passes of up to four pixels (quads, pairs, a single one), each gathered into scratch before it writes;
 * grouped() reads the input as it writes, one pixel at a time. */
static int32_t overlap(const rt_node_t *node) {
  const rt_conv_data_t *d = node->data;
  return rt_window_overlap(d, d->groups == 1 ? 4 : 1, d->groups == 1);
}

RT_DEFINE_KERNEL_WITH_OVERLAP(CONV_2D, 3, 0, prepare, eval, overlap);

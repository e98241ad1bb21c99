/* CONV_2D, DSP twin: per output pixel, the receptive field is gathered once into int16 scratch with the
 * input offset added (padding as 0, which is what (x + offset) contributes nowhere in the reference: the
 * reference skips those taps), laid out so that one word holds lanes (k, k+2) and the next (k+1, k+3).
 * Each filter word then unpacks with SXTB16 into the matching lanes and two SMLADs do four MACs; two
 * output channels share every input load. Grouped convolutions use the reference loop. */
#include "conv.h"
#include "dsp.h"
#include "quant.h"

static int32_t col_len(const rt_conv_data_t *d) { return d->g.k_h * d->g.k_w * d->filter_in_depth; }

static int prepare(rt_interp_t *rt, rt_node_t *node) {
  int rc = rt_conv_prepare(rt, node);
  if (rc) return rc;
  const rt_conv_data_t *d = node->data;
  if (d->groups != 1) return 0;
  return rt_request_scratch(rt, node, sizeof(int16_t) * (size_t)(col_len(d) + 4));
}

static inline int8_t requant(const rt_conv_data_t *d, int32_t acc, int32_t oc) {
  acc = rt_mbqm(acc, d->multiplier[oc * d->mult_step], d->shift[oc * d->mult_step]) + d->output_offset;
  return (int8_t)rt_clamp(acc, d->act_min, d->act_max);
}

static void gather(const rt_conv_data_t *d, const int8_t *in_b, int32_t iy0, int32_t ix0, int16_t *col) {
  const rt_window_t *g = &d->g;
  const int32_t fin = d->filter_in_depth, off = d->input_offset;
  int32_t k = 0;
  for (int32_t fy = 0; fy < g->k_h; fy++) {
    const int32_t iy = iy0 + g->dil_h * fy;
    for (int32_t fx = 0; fx < g->k_w; fx++) {
      const int32_t ix = ix0 + g->dil_w * fx;
      const int inside = iy >= 0 && iy < g->in_h && ix >= 0 && ix < g->in_w;
      const int8_t *x = in_b + (iy * g->in_w + ix) * d->in_depth;
      for (int32_t c = 0; c < fin; c++, k++) {
        /* position of element k: groups of four stored as k0, k2, k1, k3 */
        int32_t pos = (k & ~3) | ((k & 1) << 1) | ((k & 2) >> 1);
        col[pos] = (int16_t)(inside ? x[c] + off : 0);
      }
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
  const int32_t in_depth = d->in_depth, out_depth = d->out_depth, fin = d->filter_in_depth;
  const int32_t K = col_len(d), groups4 = K / 4, tail = K - groups4 * 4;
  int16_t *col = node->scratch;
  for (int32_t b = 0; b < g->batches; b++) {
    const int8_t *in_b = in + b * g->in_h * g->in_w * in_depth;
    for (int32_t oy = 0; oy < g->out_h; oy++) {
      const int32_t iy0 = oy * g->stride_h - g->pad_h;
      for (int32_t ox = 0; ox < g->out_w; ox++) {
        const int32_t ix0 = ox * g->stride_w - g->pad_w;
        int8_t *o = out + ((b * g->out_h + oy) * g->out_w + ox) * out_depth;
        if (d->groups != 1) {
          const int32_t per_group = out_depth / d->groups;
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
            o[oc] = requant(d, acc, oc);
          }
          continue;
        }
        gather(d, in_b, iy0, ix0, col);
        const int32_t *cw = (const int32_t *)(const void *)col;
        int32_t oc = 0;
        for (; oc + 1 < out_depth; oc += 2) {
          const int8_t *wa = filter + oc * K, *wb = wa + K;
          int32_t a = bias ? bias[oc] : 0, bb = bias ? bias[oc + 1] : 0;
          for (int32_t k = 0; k < groups4; k++) {
            int32_t x02 = cw[2 * k], x13 = cw[2 * k + 1];
            int32_t va = rt_load32(wa + 4 * k), vb = rt_load32(wb + 4 * k);
            a = RT_SMLAD(x02, RT_SXTB16(va), a);
            a = RT_SMLAD(x13, RT_SXTB16_ROR8((va)), a);
            bb = RT_SMLAD(x02, RT_SXTB16(vb), bb);
            bb = RT_SMLAD(x13, RT_SXTB16_ROR8((vb)), bb);
          }
          for (int32_t k = groups4 * 4; k < K; k++) {
            int32_t pos = (k & ~3) | ((k & 1) << 1) | ((k & 2) >> 1);
            a += wa[k] * col[pos];
            bb += wb[k] * col[pos];
          }
          o[oc] = requant(d, a, oc);
          o[oc + 1] = requant(d, bb, oc + 1);
        }
        for (; oc < out_depth; oc++) {
          const int8_t *wa = filter + oc * K;
          int32_t a = bias ? bias[oc] : 0;
          for (int32_t k = 0; k < K; k++) {
            int32_t pos = (k & ~3) | ((k & 1) << 1) | ((k & 2) >> 1);
            a += wa[k] * col[pos];
          }
          o[oc] = requant(d, a, oc);
        }
        (void)tail;
      }
    }
  }
  return 0;
}

RT_DEFINE_KERNEL(CONV_2D, 3, 0, prepare, eval);

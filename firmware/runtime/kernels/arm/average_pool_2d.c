/* AVERAGE_POOL_2D, DSP twin: with channels a multiple of four and at most 255 values per window, four
 * channels are summed per load in two int16 lane pairs with SXTAB16 (|sum| <= 255 x 128 fits a lane), then
 * divided as the reference does. Other shapes take the reference loop. */
#include "dsp.h"
#include "pool.h"
#include "quant.h"

static inline int8_t average(int32_t acc, int32_t count, const rt_pool_data_t *d) {
  acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
  return (int8_t)rt_clamp(acc, d->act_min, d->act_max);
}

static int eval(rt_interp_t *rt, rt_node_t *node) {
  const rt_pool_data_t *d = node->data;
  const rt_window_t *g = &d->g;
  const int8_t *in = rt_input(rt, node, 0)->data;
  int8_t *out = rt_output(rt, node, 0)->data;
  const int32_t depth = d->depth, row = g->in_w * depth;
  for (int32_t b = 0; b < g->batches; b++)
    for (int32_t oy = 0; oy < g->out_h; oy++)
      for (int32_t ox = 0; ox < g->out_w; ox++) {
        const int32_t iy0 = oy * g->stride_h - g->pad_h, ix0 = ox * g->stride_w - g->pad_w;
        const int32_t fy0 = iy0 < 0 ? -iy0 : 0, fx0 = ix0 < 0 ? -ix0 : 0;
        const int32_t fy1 = g->k_h < g->in_h - iy0 ? g->k_h : g->in_h - iy0;
        const int32_t fx1 = g->k_w < g->in_w - ix0 ? g->k_w : g->in_w - ix0;
        const int32_t ny = fy1 - fy0, nx = fx1 - fx0, count = ny > 0 && nx > 0 ? ny * nx : 0;
        if (count == 0) return rt_fail(rt, node, RUNTIME_E_EVAL, "empty pooling window", "");
        const int8_t *base = in + ((b * g->in_h + iy0 + fy0) * g->in_w + ix0 + fx0) * depth;
        int8_t *o = out + ((b * g->out_h + oy) * g->out_w + ox) * depth;
        int32_t c = 0;
        if (count <= 255)
          for (; c + 4 <= depth; c += 4) {
            int32_t s02 = 0, s13 = 0;
            for (int32_t fy = 0; fy < ny; fy++) {
              const int8_t *p = base + fy * row + c;
              for (int32_t fx = 0; fx < nx; fx++, p += depth) {
                int32_t v = rt_load32(p);
                s02 = RT_SXTAB16(s02, v);
                s13 = RT_SXTAB16_ROR8(s13, v);
              }
            }
            o[c] = average((int16_t)s02, count, d);
            o[c + 1] = average((int16_t)s13, count, d);
            o[c + 2] = average(s02 >> 16, count, d);
            o[c + 3] = average(s13 >> 16, count, d);
          }
        for (; c < depth; c++) {
          int32_t acc = 0;
          for (int32_t fy = 0; fy < ny; fy++)
            for (int32_t fx = 0; fx < nx; fx++) acc += base[fy * row + fx * depth + c];
          o[c] = average(acc, count, d);
        }
      }
  return 0;
}

RT_DEFINE_KERNEL(AVERAGE_POOL_2D, 1, 0, rt_pool_prepare, eval);

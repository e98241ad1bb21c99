/* AVERAGE_POOL_2D, int8: TFLM's reference (counts only the in-bounds window, rounds half away from 0). */
#include "pool.h"
#include "quant.h"

static int eval(rt_interp_t *rt, rt_node_t *node) {
  const rt_pool_data_t *d = node->data;
  const rt_window_t *g = &d->g;
  const int8_t *in = rt_input(rt, node, 0)->data;
  int8_t *out = rt_output(rt, node, 0)->data;
  for (int32_t b = 0; b < g->batches; b++)
    for (int32_t oy = 0; oy < g->out_h; oy++)
      for (int32_t ox = 0; ox < g->out_w; ox++) {
        const int32_t iy0 = oy * g->stride_h - g->pad_h, ix0 = ox * g->stride_w - g->pad_w;
        const int32_t fy0 = iy0 < 0 ? -iy0 : 0, fx0 = ix0 < 0 ? -ix0 : 0;
        const int32_t fy1 = g->k_h < g->in_h - iy0 ? g->k_h : g->in_h - iy0;
        const int32_t fx1 = g->k_w < g->in_w - ix0 ? g->k_w : g->in_w - ix0;
        for (int32_t c = 0; c < d->depth; c++) {
          int32_t acc = 0, count = 0;
          for (int32_t fy = fy0; fy < fy1; fy++)
            for (int32_t fx = fx0; fx < fx1; fx++) {
              acc += in[((b * g->in_h + iy0 + fy) * g->in_w + ix0 + fx) * d->depth + c];
              count++;
            }
          if (count == 0) return rt_fail(rt, node, RUNTIME_E_EVAL, "empty pooling window", "");
          acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
          out[((b * g->out_h + oy) * g->out_w + ox) * d->depth + c] = (int8_t)rt_clamp(acc, d->act_min, d->act_max);
        }
      }
  return 0;
}

RT_DEFINE_KERNEL(AVERAGE_POOL_2D, 1, 0, rt_pool_prepare, eval);

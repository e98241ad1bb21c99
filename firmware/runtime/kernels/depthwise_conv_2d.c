/* DEPTHWISE_CONV_2D, int8 per-channel: TFLM's reference DepthwiseConvPerChannel arithmetic. */
#include "conv.h"
#include "quant.h"

static int eval(rt_interp_t *rt, rt_node_t *node) {
  const rt_conv_data_t *d = node->data;
  const rt_window_t *g = &d->g;
  const rt_tensor_t *bias_t = rt_input(rt, node, 2);
  const int8_t *in = rt_input(rt, node, 0)->data;
  const int8_t *filter = rt_input(rt, node, 1)->data;
  const int32_t *bias = bias_t ? bias_t->data : 0;
  int8_t *out = rt_output(rt, node, 0)->data;
  const int32_t in_depth = d->in_depth, out_depth = d->out_depth, dm = d->depth_multiplier;
  for (int32_t b = 0; b < g->batches; b++) {
    for (int32_t oy = 0; oy < g->out_h; oy++) {
      const int32_t iy0 = oy * g->stride_h - g->pad_h;
      for (int32_t ox = 0; ox < g->out_w; ox++) {
        const int32_t ix0 = ox * g->stride_w - g->pad_w;
        for (int32_t ic = 0; ic < in_depth; ic++) {
          for (int32_t m = 0; m < dm; m++) {
            const int32_t oc = m + ic * dm;
            int32_t acc = 0;
            for (int32_t fy = 0; fy < g->k_h; fy++) {
              const int32_t iy = iy0 + g->dil_h * fy;
              if (iy < 0 || iy >= g->in_h) continue;
              for (int32_t fx = 0; fx < g->k_w; fx++) {
                const int32_t ix = ix0 + g->dil_w * fx;
                if (ix < 0 || ix >= g->in_w) continue;
                int32_t v = in[((b * g->in_h + iy) * g->in_w + ix) * in_depth + ic];
                int32_t w = filter[(fy * g->k_w + fx) * out_depth + oc];
                acc += w * (v + d->input_offset);
              }
            }
            if (bias) acc += bias[oc];
            acc = rt_mbqm(acc, d->multiplier[oc * d->mult_step], d->shift[oc * d->mult_step]) + d->output_offset;
            out[((b * g->out_h + oy) * g->out_w + ox) * out_depth + oc] = (int8_t)rt_clamp(acc, d->act_min, d->act_max);
          }
        }
      }
    }
  }
  return 0;
}

/* One pixel at a time, raster order. */
static int32_t overlap(const rt_node_t *node) { return rt_window_overlap(node->data, 1, 0); }

RT_DEFINE_KERNEL_WITH_OVERLAP(DEPTHWISE_CONV_2D, 4, 0, rt_depthwise_prepare, eval, overlap);

/* DEPTHWISE_CONV_2D_ONE_CHANNEL (runtime.h): the same eval; prepare refuses the shapes the DSP twin's variant
 * does not handle, so both builds accept the same models. */
static int prepare_one_channel(rt_interp_t *rt, rt_node_t *node) {
  int rc = rt_depthwise_prepare(rt, node);
  return rc ? rc : rt_depthwise_one_channel_fits(rt, node);
}

RT_DEFINE_VARIANT(DEPTHWISE_CONV_2D, ONE_CHANNEL, prepare_one_channel, eval);

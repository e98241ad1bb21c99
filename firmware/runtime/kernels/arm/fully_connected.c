/* FULLY_CONNECTED, DSP twin: the input offset is folded into the bias at prepare (bias + offset x row
 * sum, exact in wrapping int32 arithmetic), leaving a plain int8 dot product done 4 bytes at a time
 * with SXTB16 + SMLAD. Asymmetric filters fall back to the reference loop. */
#include "dsp.h"
#include "fully_connected.h"
#include "quant.h"

static int prepare(rt_interp_t *rt, rt_node_t *node) { return rt_fc_prepare(rt, node, 1); }

static int eval(rt_interp_t *rt, rt_node_t *node) {
  const rt_fc_data_t *d = node->data;
  const rt_tensor_t *bias_t = rt_input(rt, node, 2);
  const int8_t *in = rt_input(rt, node, 0)->data;
  const int8_t *filter = rt_input(rt, node, 1)->data;
  const int32_t *bias = bias_t ? bias_t->data : 0;
  int8_t *out = rt_output(rt, node, 0)->data;
  const uint32_t depth = d->accum_depth, groups = depth / 4u;
  for (uint32_t b = 0; b < d->batches; b++) {
    const int8_t *x = in + b * depth;
    for (uint32_t o = 0; o < d->out_depth; o++) {
      const int8_t *w = filter + o * depth;
      int32_t acc;
      if (d->bias_eff) {
        acc = d->bias_eff[o];
        const int8_t *px = x, *pw = w;
        for (uint32_t k = 0; k < groups; k++) {
          int32_t xv = rt_load32(px), wv = rt_load32(pw);
          acc = RT_SMLAD(RT_SXTB16(xv), RT_SXTB16(wv), acc);
          acc = RT_SMLAD(RT_SXTB16_ROR8((xv)), RT_SXTB16_ROR8((wv)), acc);
          px += 4;
          pw += 4;
        }
        for (uint32_t k = groups * 4u; k < depth; k++) acc += w[k] * x[k];
      } else {
        acc = bias ? bias[o] : 0;
        for (uint32_t k = 0; k < depth; k++) acc += (w[k] + d->filter_offset) * (x[k] + d->input_offset);
      }
      acc = rt_mbqm(acc, d->multiplier[o * d->mult_step], d->shift[o * d->mult_step]) + d->output_offset;
      out[b * d->out_depth + o] = (int8_t)rt_clamp(acc, d->act_min, d->act_max);
    }
  }
  return 0;
}

RT_DEFINE_KERNEL(FULLY_CONNECTED, 9, 0, prepare, eval);

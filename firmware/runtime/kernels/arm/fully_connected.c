/* FULLY_CONNECTED, DSP twin: the input offset is added as each input word is widened (SXTAB16, the same
 * cost as SXTB16; input + offset fits an int16 lane), so no per-row bias needs arena. Two rows per pass share
 * each input word: per four inputs 3 LDR, 2 SXTAB16, 4 SXTB16 and 4 SMLAD do 8 MACs. Right-shift rescaling takes
 * rt_mbqm_right (one 64-bit sum). Asymmetric filters fall back to the reference loop. */
#include "dsp.h"
#include "fully_connected.h"
#include "quant.h"
#include "requant.h"

static int prepare(rt_interp_t *rt, rt_node_t *node) { return rt_fc_prepare(rt, node); }

static inline int8_t finish(const rt_fc_data_t *d, int32_t acc, uint32_t o) {
  const int32_t m = d->multiplier[o * d->mult_step], sh = d->shift[o * d->mult_step];
  acc = (sh < 0 ? rt_mbqm_right(acc, m, -sh) : rt_mbqm(acc, m, sh)) + d->output_offset;
  return (int8_t)rt_clamp(acc, d->act_min, d->act_max);
}

static int eval(rt_interp_t *rt, rt_node_t *node) {
  const rt_fc_data_t *d = node->data;
  const int8_t *in = rt_input(rt, node, 0)->data;
  const int8_t *filter;
  const int32_t *bias;
  rt_fc_weights(rt, node, &filter, &bias);
  int8_t *out = rt_output(rt, node, 0)->data;
  const uint32_t depth = d->accum_depth, groups = depth / 4u, n_out = d->out_depth;
  const int32_t off_pair = (int32_t)(((uint32_t)d->input_offset << 16) | ((uint32_t)d->input_offset & 0xFFFFu));
  for (uint32_t b = 0; b < d->batches; b++) {
    const int8_t *x = in + b * depth;
    int8_t *y = out + b * n_out;
    if (d->filter_offset) {
      for (uint32_t o = 0; o < n_out; o++) {
        const int8_t *w = filter + o * depth;
        int32_t acc = bias ? bias[o] : 0;
        for (uint32_t k = 0; k < depth; k++) acc += (w[k] + d->filter_offset) * (x[k] + d->input_offset);
        y[o] = finish(d, acc, o);
      }
      continue;
    }
    for (uint32_t o = 0; o < n_out; o += 2) {
      /* an odd last row is computed twice, into the same byte */
      const uint32_t o2 = o + 1 < n_out ? o + 1 : o;
      const int8_t *w = filter + o * depth, *v = filter + o2 * depth, *px = x;
      int32_t acc = bias ? bias[o] : 0, acc2 = bias ? bias[o2] : 0;
      for (uint32_t k = 0; k < groups; k++, px += 4, w += 4, v += 4) {
        int32_t xv = rt_load32(px), wv = rt_load32(w), vv = rt_load32(v);
        int32_t x02 = RT_SXTAB16(off_pair, xv), x13 = RT_SXTAB16_ROR8(off_pair, xv);
        acc = RT_SMLAD(x02, RT_SXTB16(wv), acc);
        acc = RT_SMLAD(x13, RT_SXTB16_ROR8(wv), acc);
        acc2 = RT_SMLAD(x02, RT_SXTB16(vv), acc2);
        acc2 = RT_SMLAD(x13, RT_SXTB16_ROR8(vv), acc2);
      }
      for (uint32_t k = groups * 4u; k < depth; k++, px++, w++, v++) {
        acc += *w * (*px + d->input_offset);
        acc2 += *v * (*px + d->input_offset);
      }
      y[o] = finish(d, acc, o);
      y[o2] = finish(d, acc2, o2);
    }
  }
  return 0;
}

RT_DEFINE_KERNEL(FULLY_CONNECTED, 9, 0, prepare, eval);

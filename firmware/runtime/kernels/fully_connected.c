/* FULLY_CONNECTED, int8 x int8 -> int8 with int32 bias: TFLM's reference arithmetic. */
#include "fully_connected.h"
#include "quant.h"

static int prepare(rt_interp_t *rt, rt_node_t *node) { return rt_fc_prepare(rt, node); }

static int eval(rt_interp_t *rt, rt_node_t *node) {
  const rt_fc_data_t *d = node->data;
  const int8_t *in = rt_input(rt, node, 0)->data;
  const int8_t *filter;
  const int32_t *bias;
  rt_fc_weights(rt, node, &filter, &bias);
  int8_t *out = rt_output(rt, node, 0)->data;
  for (uint32_t b = 0; b < d->batches; b++) {
    const int8_t *x = in + b * d->accum_depth;
    for (uint32_t o = 0; o < d->out_depth; o++) {
      const int8_t *w = filter + o * d->accum_depth;
      int32_t acc = 0;
      for (uint32_t k = 0; k < d->accum_depth; k++) acc += (w[k] + d->filter_offset) * (x[k] + d->input_offset);
      if (bias) acc += bias[o];
      acc = rt_mbqm(acc, d->multiplier[o * d->mult_step], d->shift[o * d->mult_step]) + d->output_offset;
      out[b * d->out_depth + o] = (int8_t)rt_clamp(acc, d->act_min, d->act_max);
    }
  }
  return 0;
}

RT_DEFINE_KERNEL(FULLY_CONNECTED, 9, 0, prepare, eval);

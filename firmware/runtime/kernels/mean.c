/* MEAN, int8, any set of constant axes: TFLM's QuantizedMeanOrSum. The zero-point-corrected int32 sum
 * is rescaled by in_scale / out_scale with 1/count folded into the multiplier. (TFLM's sources also
 * show a plain truncating division when input and output are quantized alike; the tflite-micro
 * interpreter rounds in that case too, so this path is the one that matches it, and the tests hold it
 * to that case as well.) Prepare is in mean_common.c. */
#include "mean.h"

static int eval(rt_interp_t *rt, rt_node_t *node) {
  const rt_mean_data_t *d = node->data;
  const int8_t *x = rt_input(rt, node, 0)->data;
  int8_t *y = rt_output(rt, node, 0)->data;
  int32_t *sum = node->scratch;
  memset(sum, 0, sizeof(int32_t) * d->n_out);
  if (rt_mean_empty(d, y)) return 0;
  rt_mean_sum_any(d, x, sum);
  rt_mean_finish(d, sum, y);
  return 0;
}

RT_DEFINE_KERNEL(MEAN, 40, 0, rt_mean_prepare, eval);

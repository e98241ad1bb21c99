/* SVDF, int8 input/weights with an int16 state: TFLM's EvalIntegerSvdfReference. The state is a
 * variable tensor [batch, filters * memory], shifted left by one step per invoke. */
#include <string.h>

#include "quant.h"
#include "svdf.h"

static int eval(rt_interp_t *rt, rt_node_t *node) {
  const rt_svdf_data_t *d = node->data;
  const int8_t *in = rt_input(rt, node, 0)->data;
  const int8_t *wf;
  const int16_t *wt;
  const int32_t *bias;
  rt_svdf_weights(rt, node, &wf, &wt, &bias);
  int16_t *state = rt_input(rt, node, 4)->data;
  int8_t *out = rt_output(rt, node, 0)->data;
  const int32_t nb = d->batches, nf = d->filters, nm = d->memory, ni = d->inputs;

  rt_svdf_shift_state(state, (uint32_t)(nb * nf * nm));
  for (int32_t b = 0; b < nb; b++) {
    int16_t *result = state + b * nf * nm + (nm - 1);
    const int8_t *w = wf;
    for (int32_t r = 0; r < nf; r++) {
      int32_t dot = 0;
      const int8_t *x = in + b * ni;
      for (int32_t c = 0; c < ni; c++) dot += *w++ * (x[c] - d->input_zp);
      dot = rt_clamp(rt_mbqm(dot, d->scale_1_a, d->scale_1_b), INT16_MIN, INT16_MAX);
      *result = (int16_t)dot;
      result += nm;
    }
  }
  /* Time matmul and reduction fused: a unit's `rank` filters are adjacent rows of the time weights and of the
   * state, so its sum is one dot product of rank x memory values, from the bias (the same int32 sum as TFLM's
   * scratch then bias + sums, without the int32 scratch per filter). */
  const int32_t nu = d->units, len = d->rank * nm;
  for (int32_t b = 0; b < nb; b++) {
    const int16_t *v1 = wt;
    const int16_t *v2 = state + b * nm * nf;
    for (int32_t i = 0; i < nu; i++) {
      int32_t acc = bias ? bias[i] : 0;
      for (int32_t j = 0; j < len; j++) acc += *v1++ * *v2++;
      int32_t v = rt_mbqm(acc, d->scale_2_a, d->scale_2_b) + d->output_zp;
      out[b * nu + i] = (int8_t)rt_clamp(v, INT8_MIN, INT8_MAX);
    }
  }
  return 0;
}

RT_DEFINE_KERNEL_WITH_OVERLAP(SVDF, 27, 0, rt_svdf_prepare, eval, rt_svdf_overlap);

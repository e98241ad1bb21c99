/* SVDF, DSP twin: the feature matmul unpacks four inputs (minus their zero point, with SXTAB16) and
 * four weights (SXTB16) per step for two SMLADs; the time matmul multiplies int16 state and weights
 * two at a time with SMLAD. Same sums as kernels/svdf.c, so the same bits. */
#include <string.h>

#include "dsp.h"
#include "quant.h"
#include "svdf.h"

static int eval(rt_interp_t *rt, rt_node_t *node) {
  const rt_svdf_data_t *d = node->data;
  const int8_t *in = rt_input(rt, node, 0)->data;
  const int8_t *wf = rt_input(rt, node, 1)->data;
  const int16_t *wt = rt_input(rt, node, 2)->data;
  const rt_tensor_t *bias_t = rt_input(rt, node, 3);
  const int32_t *bias = bias_t ? bias_t->data : 0;
  int16_t *state = rt_input(rt, node, 4)->data;
  int8_t *out = rt_output(rt, node, 0)->data;
  int32_t *scratch = node->scratch;
  const int32_t nb = d->batches, nf = d->filters, nm = d->memory, ni = d->inputs;
  const int32_t neg_zp = -d->input_zp;
  const int32_t zp_pair = (int32_t)(((uint32_t)neg_zp << 16) | ((uint32_t)neg_zp & 0xFFFFu));

  rt_svdf_shift_state(state, (uint32_t)(nb * nf * nm));
  for (int32_t b = 0; b < nb; b++) {
    int16_t *result = state + b * nf * nm + (nm - 1);
    const int8_t *x = in + b * ni;
    for (int32_t r = 0; r < nf; r++) {
      const int8_t *w = wf + r * ni;
      int32_t dot = 0, c = 0;
      for (; c + 4 <= ni; c += 4) {
        int32_t xv = rt_load32(x + c), wv = rt_load32(w + c);
        dot = RT_SMLAD(RT_SXTAB16(zp_pair, xv), RT_SXTB16(wv), dot);
        dot = RT_SMLAD(RT_SXTAB16_ROR8(zp_pair, xv), RT_SXTB16_ROR8((wv)), dot);
      }
      for (; c < ni; c++) dot += w[c] * (x[c] - d->input_zp);
      dot = rt_clamp(rt_mbqm(dot, d->scale_1_a, d->scale_1_b), INT16_MIN, INT16_MAX);
      *result = (int16_t)dot;
      result += nm;
    }
  }
  for (int32_t b = 0; b < nb; b++) {
    const int16_t *v1 = wt;
    const int16_t *v2 = state + b * nm * nf;
    for (int32_t i = 0; i < nf; i++) {
      int32_t acc = 0, j = 0;
      for (; j + 2 <= nm; j += 2) acc = RT_SMLAD(rt_load32(v1 + j), rt_load32(v2 + j), acc);
      for (; j < nm; j++) acc += v1[j] * v2[j];
      v1 += nm;
      v2 += nm;
      scratch[b * nf + i] = acc;
    }
  }
  rt_svdf_reduce_output(d, scratch, bias, out);
  return 0;
}

RT_DEFINE_KERNEL(SVDF, 27, 0, rt_svdf_prepare, eval);

/* SVDF, DSP twin: the input, minus its zero point, is unpacked once per invoke into int16 lane pairs
 * (k, k+2) (k+1, k+3); the feature matmul then does two filters per pass, each filter word unpacked with
 * SXTB16 and two SMLADs per four inputs and filter. The time matmul multiplies int16 state and weights two
 * at a time with SMLAD, and both rescalings take rt_mbqm_right (one 64-bit sum) for right shifts. Same
 * sums as kernels/svdf.c, so the same bits. */
#include <string.h>

#include "dsp.h"
#include "quant.h"
#include "requant.h"
#include "svdf.h"

static int prepare(rt_interp_t *rt, rt_node_t *node) {
  int rc = rt_svdf_prepare(rt, node);
  if (rc) return rc;
  const rt_svdf_data_t *d = node->data;
  /* the unpacked input: two words per whole group of four values (the rest is read in place) */
  return rt_request_scratch(rt, node, sizeof(int32_t) * 2u * (size_t)(d->inputs / 4));
}

/* rt_svdf_shift_state, eight values per step: four unaligned word loads, then four stores (every load
 * of a step precedes its stores, and a step writes only what earlier steps have read). */
static void shift_state(int16_t *state, uint32_t n) {
  uint32_t i = 0;
  for (; i + 9 <= n; i += 8) {
    int32_t a = rt_load32(state + i + 1), b = rt_load32(state + i + 3);
    int32_t c = rt_load32(state + i + 5), e = rt_load32(state + i + 7);
    memcpy(state + i, &a, 4);
    memcpy(state + i + 2, &b, 4);
    memcpy(state + i + 4, &c, 4);
    memcpy(state + i + 6, &e, 4);
  }
  if (i < n) rt_svdf_shift_state(state + i, n - i);
}

static inline int32_t rescale(int32_t acc, int32_t m, int32_t sh) {
  return sh < 0 ? rt_mbqm_right(acc, m, -sh) : rt_mbqm(acc, m, sh);
}

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
  const int32_t neg_zp = -d->input_zp;
  const int32_t zp_pair = (int32_t)(((uint32_t)neg_zp << 16) | ((uint32_t)neg_zp & 0xFFFFu));

  shift_state(state, (uint32_t)(nb * nf * nm));
  int32_t *xs = node->scratch;
  const int32_t groups = ni / 4;
  for (int32_t b = 0; b < nb; b++) {
    int16_t *result = state + b * nf * nm + (nm - 1);
    const int8_t *x = in + b * ni;
    for (int32_t k = 0; k < groups; k++) {
      int32_t xv = rt_load32(x + 4 * k);
      xs[2 * k] = RT_SXTAB16(zp_pair, xv);
      xs[2 * k + 1] = RT_SXTAB16_ROR8(zp_pair, xv);
    }
    for (int32_t r = 0; r < nf; r += 2) {
      /* an odd last filter is computed twice, into the same state element */
      const int32_t r2 = r + 1 < nf ? r + 1 : r;
      const int8_t *w = wf + r * ni, *v = wf + r2 * ni;
      int32_t dot = 0, dot2 = 0;
      const int32_t *px = xs;
      for (int32_t k = 0; k < groups; k++, px += 2, w += 4, v += 4) {
        int32_t x02 = px[0], x13 = px[1], wv = rt_load32(w), vv = rt_load32(v);
        dot = RT_SMLAD(x02, RT_SXTB16(wv), dot);
        dot = RT_SMLAD(x13, RT_SXTB16_ROR8(wv), dot);
        dot2 = RT_SMLAD(x02, RT_SXTB16(vv), dot2);
        dot2 = RT_SMLAD(x13, RT_SXTB16_ROR8(vv), dot2);
      }
      for (int32_t c = groups * 4; c < ni; c++, w++, v++) {
        dot += *w * (x[c] - d->input_zp);
        dot2 += *v * (x[c] - d->input_zp);
      }
      result[r * nm] = (int16_t)rt_clamp(rescale(dot, d->scale_1_a, d->scale_1_b), INT16_MIN, INT16_MAX);
      result[r2 * nm] = (int16_t)rt_clamp(rescale(dot2, d->scale_1_a, d->scale_1_b), INT16_MIN, INT16_MAX);
    }
  }
  /* The time matmul and the reduction fused (see kernels/svdf.c): a unit's `rank` filters are adjacent rows
   * of the weights and of the state, so its sum is one dot product of rank x memory values, from the bias. */
  const int32_t nu = d->units, len = d->rank * nm, m2 = d->scale_2_a, sh2 = d->scale_2_b, ozp = d->output_zp;
  for (int32_t b = 0; b < nb; b++) {
    const int16_t *v1 = wt;
    const int16_t *v2 = state + b * nm * nf;
    for (int32_t i = 0; i < nu; i++) {
      int32_t acc = bias ? bias[i] : 0, j = 0;
      for (; j + 4 <= len; j += 4) {
        acc = RT_SMLAD(rt_load32(v1 + j), rt_load32(v2 + j), acc);
        acc = RT_SMLAD(rt_load32(v1 + j + 2), rt_load32(v2 + j + 2), acc);
      }
      for (; j + 2 <= len; j += 2) acc = RT_SMLAD(rt_load32(v1 + j), rt_load32(v2 + j), acc);
      for (; j < len; j++) acc += v1[j] * v2[j];
      v1 += len;
      v2 += len;
      out[b * nu + i] = (int8_t)rt_sat8(rescale(acc, m2, sh2) + ozp);
    }
  }
  return 0;
}

RT_DEFINE_KERNEL_WITH_OVERLAP(SVDF, 27, 0, prepare, eval, rt_svdf_overlap);

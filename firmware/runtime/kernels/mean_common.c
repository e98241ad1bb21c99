/* MEAN: the prepare shared by the portable kernel and its DSP twin (TFLM's QuantizedMeanOrSum setup). */
#include "mean.h"

int rt_mean_prepare(rt_interp_t *rt, rt_node_t *node) {
  rt_tensor_t *in = rt_input(rt, node, 0), *axes = rt_input(rt, node, 1), *out = rt_output(rt, node, 0);
  const rt_quant_t *in_q = rt_quant(rt, in), *out_q = rt_quant(rt, out);
  if (node->n_inputs != 2) return rt_fail(rt, node, RUNTIME_E_MODEL, "MEAN takes an input and its axes", "");
  if (rt_expect_type(rt, node, in, RUNTIME_INT8, "input") ||
      rt_expect_type(rt, node, out, RUNTIME_INT8, "output") || rt_expect_type(rt, node, axes, RUNTIME_INT32, "axis"))
    return RUNTIME_E_UNSUPPORTED;
  if (!(axes->flags & RT_T_CONST)) return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "non-constant axis", "");
  if (!in_q->scales || !out_q->scales) return rt_fail(rt, node, RUNTIME_E_MODEL, "unquantized tensor", "");
  if (in->rank > MEAN_DIMS || in->rank == 0) return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "input rank", "");
  rt_mean_data_t *d = rt_persistent(rt, node, sizeof *d);
  if (!d) return RUNTIME_E_ARENA;
  node->data = d;
  d->rank = in->rank;
  const int32_t *ax = axes->data;
  for (uint32_t i = 0; i < rt_elements(axes); i++) {
    int32_t a = ax[i] < 0 ? ax[i] + in->rank : ax[i];
    if (a < 0 || a >= in->rank) return rt_fail(rt, node, RUNTIME_E_MODEL, "axis out of range", "");
    d->reduced[a] = 1;
  }
  int keep = rt_opt_u8(rt, node, 0, 0); /* ReducerOptions.keep_dims */
  /* The output shape the reduction implies, and output strides for each input axis. */
  int32_t want[MEAN_DIMS];
  int n_want = 0;
  d->count = 1;
  for (int i = 0; i < in->rank; i++) {
    d->in_dims[i] = in->dims[i];
    if (d->reduced[i]) {
      d->count *= in->dims[i];
      if (keep) want[n_want++] = 1;
    } else {
      want[n_want++] = in->dims[i];
    }
  }
  if (out->rank != n_want) return rt_fail(rt, node, RUNTIME_E_MODEL, "output shape does not match the reduction", "");
  for (int i = 0; i < n_want; i++)
    if (out->dims[i] != want[i]) return rt_fail(rt, node, RUNTIME_E_MODEL, "output shape does not match the reduction", "");
  int32_t stride = 1;
  for (int i = in->rank - 1; i >= 0; i--) {
    d->out_stride[i] = d->reduced[i] ? 0 : stride;
    if (!d->reduced[i]) stride *= in->dims[i];
  }
  d->n_out = rt_elements(out);
  d->in_zp = in_q->zero_point;
  d->out_zp = out_q->zero_point;
  int sh;
  if (rt_multiplier(rt, node, (double)in_q->scales[0] / (double)out_q->scales[0], &d->multiplier, &sh, "output"))
    return RUNTIME_E_UNSUPPORTED;
  d->shift = sh;
  if (d->count > 0) {
    /* Fold 1/count into the multiplier (TFLM: shift = floor(log2 count), at most 32 and 31 + shift). */
    int s = 0;
    while (s < 62 && ((uint64_t)d->count >> (s + 1))) s++;
    if (s > 32) s = 32;
    if (s > 31 + d->shift) s = 31 + d->shift;
    d->multiplier = (int32_t)(((int64_t)d->multiplier << s) / d->count);
    d->shift -= s;
  }
  /* Reduced axes outermost (every kept axis longer than 1 after every reduced axis longer than 1): the
   * input is then `count` rows of the outputs, which the DSP twin sums a word at a time. */
  int seen_kept = 0;
  d->rows = 1;
  for (int i = 0; i < in->rank; i++) {
    if (in->dims[i] == 1) continue;
    if (!d->reduced[i]) seen_kept = 1;
    else if (seen_kept) d->rows = 0;
  }
  return rt_request_scratch(rt, node, sizeof(int32_t) * (d->n_out ? d->n_out : 1));
}

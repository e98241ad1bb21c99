#include "quant.h"
#include "svdf.h"

int rt_svdf_prepare(rt_interp_t *rt, rt_node_t *node) {
  rt_tensor_t *in = rt_input(rt, node, 0), *wf = rt_input(rt, node, 1), *wt = rt_input(rt, node, 2);
  rt_tensor_t *bias = rt_input(rt, node, 3), *state = rt_input(rt, node, 4), *out = rt_output(rt, node, 0);
  if (rt_expect_type(rt, node, in, RUNTIME_INT8, "input") || rt_expect_type(rt, node, wf, RUNTIME_INT8, "feature weights") ||
      rt_expect_type(rt, node, wt, RUNTIME_INT16, "time weights") ||
      rt_expect_type(rt, node, state, RUNTIME_INT16, "state") || rt_expect_type(rt, node, out, RUNTIME_INT8, "output"))
    return RUNTIME_E_UNSUPPORTED;
  if (bias && rt_expect_type(rt, node, bias, RUNTIME_INT32, "bias")) return RUNTIME_E_UNSUPPORTED;
  if (in->rank != 2 || wf->rank != 2 || wt->rank != 2 || out->rank != 2)
    return rt_fail(rt, node, RUNTIME_E_MODEL, "SVDF tensors must be 2-D", "");
  if (!(state->flags & RT_T_VARIABLE)) return rt_fail(rt, node, RUNTIME_E_MODEL, "state is not a variable tensor", "");
  if (!in->scales || !wf->scales || !wt->scales || !state->scales || !out->scales)
    return rt_fail(rt, node, RUNTIME_E_MODEL, "unquantized tensor", "");
  rt_svdf_data_t *d = rt_persistent(rt, node, sizeof *d);
  if (!d) return RUNTIME_E_ARENA;
  node->data = d;
  d->rank = rt_opt_i32(rt, node, 0, 1);
  d->batches = in->dims[0];
  d->inputs = in->dims[1];
  d->filters = wf->dims[0];
  d->memory = wt->dims[1];
  if (d->rank <= 0 || d->filters % d->rank || wf->dims[1] != d->inputs || wt->dims[0] != d->filters)
    return rt_fail(rt, node, RUNTIME_E_MODEL, "inconsistent SVDF shapes", "");
  d->units = d->filters / d->rank;
  if (out->dims[0] != d->batches || out->dims[1] != d->units ||
      rt_elements(state) != (uint32_t)(d->batches * d->filters * d->memory) ||
      (bias && rt_elements(bias) != (uint32_t)d->units))
    return rt_fail(rt, node, RUNTIME_E_MODEL, "inconsistent SVDF shapes", "");
  /* TFLM multiplies these scales in float, then widens. */
  double s1 = (double)(in->scales[0] * wf->scales[0] / state->scales[0]);
  double s2 = (double)(state->scales[0] * wt->scales[0] / out->scales[0]);
  int sh;
  if (rt_multiplier(rt, node, s1, &d->scale_1_a, &sh, "state")) return RUNTIME_E_UNSUPPORTED;
  d->scale_1_b = sh;
  if (rt_multiplier(rt, node, s2, &d->scale_2_a, &sh, "output")) return RUNTIME_E_UNSUPPORTED;
  d->scale_2_b = sh;
  d->input_zp = in->zero_point;
  d->output_zp = out->zero_point;
  return rt_request_scratch(rt, node, sizeof(int32_t) * (size_t)d->batches * (size_t)d->filters);
}

void rt_svdf_reduce_output(const rt_svdf_data_t *d, const int32_t *scratch, const int32_t *bias, int8_t *out) {
  const int32_t nb = d->batches, nf = d->filters, nu = d->units;
  for (int32_t b = 0; b < nb; b++) {
    const int32_t *s = scratch + b * nf;
    for (int32_t i = 0; i < nu; i++) {
      int32_t acc = bias ? bias[i] : 0;
      for (int32_t j = 0; j < d->rank; j++) acc += *s++;
      int32_t v = rt_mbqm(acc, d->scale_2_a, d->scale_2_b) + d->output_zp;
      out[b * nu + i] = (int8_t)rt_clamp(v, INT8_MIN, INT8_MAX);
    }
  }
}

/* SVDF, int8 input/weights with an int16 state: TFLM's EvalIntegerSvdfReference. The state is a
 * variable tensor [batch, filters * memory], shifted left by one step per invoke. */
#include <string.h>

#include "kernel.h"
#include "quant.h"

typedef struct {
  int32_t scale_1_a, scale_1_b, scale_2_a, scale_2_b;
  int32_t input_zp, output_zp;
  int32_t batches, inputs, filters, units, memory, rank;
} svdf_data_t;

static int prepare(rt_interp_t *rt, rt_node_t *node) {
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
  svdf_data_t *d = rt_persistent(rt, node, sizeof *d);
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
  rt_quantize_multiplier(s1, &d->scale_1_a, &sh);
  d->scale_1_b = sh;
  rt_quantize_multiplier(s2, &d->scale_2_a, &sh);
  d->scale_2_b = sh;
  d->input_zp = in->zero_point;
  d->output_zp = out->zero_point;
  return rt_request_scratch(rt, node, sizeof(int32_t) * (size_t)d->batches * (size_t)(d->filters + d->units));
}

static int eval(rt_interp_t *rt, rt_node_t *node) {
  const svdf_data_t *d = node->data;
  const int8_t *in = rt_input(rt, node, 0)->data;
  const int8_t *wf = rt_input(rt, node, 1)->data;
  const int16_t *wt = rt_input(rt, node, 2)->data;
  const rt_tensor_t *bias_t = rt_input(rt, node, 3);
  const int32_t *bias = bias_t ? bias_t->data : 0;
  int16_t *state = rt_input(rt, node, 4)->data;
  int8_t *out = rt_output(rt, node, 0)->data;
  int32_t *scratch = node->scratch;
  int32_t *scratch_out = scratch + d->batches * d->filters;
  const int32_t nb = d->batches, nf = d->filters, nm = d->memory, nu = d->units, ni = d->inputs;

  memmove(state, state + 1, sizeof(int16_t) * (size_t)(nb * nf * nm - 1));
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
  for (int32_t b = 0; b < nb; b++) {
    const int16_t *v1 = wt;
    const int16_t *v2 = state + b * nm * nf;
    for (int32_t i = 0; i < nf; i++) {
      int32_t acc = 0;
      for (int32_t j = 0; j < nm; j++) acc += *v1++ * *v2++;
      scratch[b * nf + i] = acc;
    }
  }
  for (int32_t b = 0; b < nb; b++) {
    int32_t *o = scratch_out + b * nu;
    const int32_t *s = scratch + b * nf;
    for (int32_t i = 0; i < nu; i++) {
      int32_t acc = bias ? bias[i] : 0;
      for (int32_t j = 0; j < d->rank; j++) acc += *s++;
      o[i] = acc;
    }
  }
  for (int32_t i = 0; i < nb * nu; i++) {
    int32_t v = rt_mbqm(scratch_out[i], d->scale_2_a, d->scale_2_b) + d->output_zp;
    out[i] = (int8_t)rt_clamp(v, INT8_MIN, INT8_MAX);
  }
  return 0;
}

RT_DEFINE_KERNEL(SVDF, 27, 0, prepare, eval);

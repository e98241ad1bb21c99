#include "quant.h"
#include "svdf.h"

int rt_svdf_prepare(rt_interp_t *rt, rt_node_t *node) {
  rt_tensor_t *in = rt_input(rt, node, 0), *wf = rt_input(rt, node, 1), *wt = rt_input(rt, node, 2);
  const rt_quant_t *in_q = rt_quant(rt, in), *wf_q = rt_quant(rt, wf), *wt_q = rt_quant(rt, wt);
  rt_tensor_t *bias = rt_input(rt, node, 3), *state = rt_input(rt, node, 4), *out = rt_output(rt, node, 0);
  const rt_quant_t *state_q = rt_quant(rt, state), *out_q = rt_quant(rt, out);
  if (rt_expect_type(rt, node, in, RUNTIME_INT8, "input") || rt_expect_type(rt, node, wf, RUNTIME_INT8, "feature weights") ||
      rt_expect_type(rt, node, wt, RUNTIME_INT16, "time weights") ||
      rt_expect_type(rt, node, state, RUNTIME_INT16, "state") || rt_expect_type(rt, node, out, RUNTIME_INT8, "output"))
    return RUNTIME_E_UNSUPPORTED;
  if (bias && rt_expect_type(rt, node, bias, RUNTIME_INT32, "bias")) return RUNTIME_E_UNSUPPORTED;
  if (in->rank != 2 || wf->rank != 2 || wt->rank != 2 || out->rank != 2)
    return rt_fail(rt, node, RUNTIME_E_MODEL, "SVDF tensors must be 2-D", "");
  if (!(state->flags & RT_T_VARIABLE)) return rt_fail(rt, node, RUNTIME_E_MODEL, "state is not a variable tensor", "");
  if (!in_q->scales || !wf_q->scales || !wt_q->scales || !state_q->scales || !out_q->scales)
    return rt_fail(rt, node, RUNTIME_E_MODEL, "unquantized tensor", "");
  /* Every shape must be 1..32767 (op data holds int16): a zero memory would put the newest state value
   * before the state's start. */
  const int32_t rank = rt_opt_i32(rt, node, 0, 1), batches = in->dims[0], inputs = in->dims[1];
  const int32_t filters = wf->dims[0], memory = wt->dims[1];
  const int32_t shape[5] = {rank, batches, inputs, filters, memory};
  for (int k = 0; k < 5; k++)
    if (shape[k] < 1 || shape[k] > INT16_MAX)
      return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "SVDF shape out of range ", "(1..32767 per dimension and rank)");
  if (filters % rank || wf->dims[1] != inputs || wt->dims[0] != filters)
    return rt_fail(rt, node, RUNTIME_E_MODEL, "inconsistent SVDF shapes", "");
  const int32_t units = filters / rank;
  if (out->dims[0] != batches || out->dims[1] != units ||
      rt_elements(state) != (uint64_t)batches * (uint64_t)filters * (uint64_t)memory ||
      (bias && rt_elements(bias) != (uint32_t)units))
    return rt_fail(rt, node, RUNTIME_E_MODEL, "inconsistent SVDF shapes", "");
  rt_svdf_data_t *d = rt_persistent(rt, node, sizeof *d);
  if (!d) return RUNTIME_E_ARENA;
  node->data = d;
  d->rank = (int16_t)rank;
  d->batches = (int16_t)batches;
  d->inputs = (int16_t)inputs;
  d->filters = (int16_t)filters;
  d->memory = (int16_t)memory;
  d->units = (int16_t)units;
  /* TFLM multiplies these scales in float, then widens. */
  double s1 = (double)(in_q->scales[0] * wf_q->scales[0] / state_q->scales[0]);
  double s2 = (double)(state_q->scales[0] * wt_q->scales[0] / out_q->scales[0]);
  int sh;
  if (rt_multiplier(rt, node, s1, &d->scale_1_a, &sh, "state")) return RUNTIME_E_UNSUPPORTED;
  d->scale_1_b = (int8_t)sh;
  if (rt_multiplier(rt, node, s2, &d->scale_2_a, &sh, "output")) return RUNTIME_E_UNSUPPORTED;
  d->scale_2_b = (int8_t)sh;
  d->wf = rt_const_data(rt, node, 1);
  d->wt = rt_const_data(rt, node, 2);
  d->bias = rt_const_data(rt, node, 3);
  node->consts_in_data = !(in->flags & RT_T_CONST); /* eval's other reads: the input, the state (a variable) */
  d->input_zp = in_q->zero_point;
  d->output_zp = out_q->zero_point;
  return 0;
}

int32_t rt_svdf_overlap(const rt_node_t *node) {
  (void)node;
  return 0;
}

#include <stddef.h>

#include "fully_connected.h"
#include "quant.h"

int rt_fc_prepare(rt_interp_t *rt, rt_node_t *node) {
  rt_tensor_t *in = rt_input(rt, node, 0), *filter = rt_input(rt, node, 1), *bias = rt_input(rt, node, 2);
  const rt_quant_t *filter_q = rt_quant(rt, filter), *in_q = rt_quant(rt, in);
  rt_tensor_t *out = rt_output(rt, node, 0);
  const rt_quant_t *out_q = rt_quant(rt, out);
  if (rt_expect_type(rt, node, in, RUNTIME_INT8, "input") || rt_expect_type(rt, node, filter, RUNTIME_INT8, "filter") ||
      rt_expect_type(rt, node, out, RUNTIME_INT8, "output"))
    return RUNTIME_E_UNSUPPORTED;
  if (bias && rt_expect_type(rt, node, bias, RUNTIME_INT32, "bias")) return RUNTIME_E_UNSUPPORTED;
  if (filter->rank != 2 || out->rank < 1) return rt_fail(rt, node, RUNTIME_E_MODEL, "filter must be 2-D", "");
  rt_fc_data_t *d = rt_persistent(rt, node, sizeof *d);
  if (!d) return RUNTIME_E_ARENA;
  d->out_depth = (uint32_t)rt_dim(out, -1);
  d->accum_depth = (uint32_t)filter->dims[1];
  if (d->out_depth == 0 || (uint32_t)filter->dims[0] != d->out_depth)
    return rt_fail(rt, node, RUNTIME_E_MODEL, "filter rows do not match the output depth", "");
  d->batches = rt_elements(out) / d->out_depth;
  if ((uint64_t)d->batches * d->accum_depth != rt_elements(in))
    return rt_fail(rt, node, RUNTIME_E_MODEL, "input size does not match batches x filter columns", "");
  if (bias && rt_elements(bias) != d->out_depth) return rt_fail(rt, node, RUNTIME_E_MODEL, "bias size mismatch", "");
  int rc = rt_channel_multipliers(rt, node, in, filter, out, d->out_depth, &d->multiplier, &d->shift);
  if (rc) return rc;
  d->mult_step = filter_q->num_scales > 1;
  /* int8 zero points (the validator checked their range) */
  d->input_offset = (int16_t)-in_q->zero_point;
  d->filter_offset = (int16_t)-filter_q->zero_point;
  d->output_offset = out_q->zero_point;
  int32_t act_min, act_max; /* within int8's range for an int8 output */
  rt_activation_range(rt, out, rt_opt_u8(rt, node, 0, RT_ACT_NONE), &act_min, &act_max);
  d->act_min = (int16_t)act_min;
  d->act_max = (int16_t)act_max;
  d->filter = rt_const_data(rt, node, 1);
  d->bias = rt_const_data(rt, node, 2);
  node->consts_in_data = !(in->flags & RT_T_CONST);
  node->data = d;
  return 0;
}

#include "conv.h"
#include "quant.h"

static int common(rt_interp_t *rt, rt_node_t *node, rt_conv_data_t **out_data) {
  rt_tensor_t *in = rt_input(rt, node, 0), *filter = rt_input(rt, node, 1), *bias = rt_input(rt, node, 2);
  const rt_quant_t *in_q = rt_quant(rt, in), *filter_q = rt_quant(rt, filter);
  rt_tensor_t *out = rt_output(rt, node, 0);
  const rt_quant_t *out_q = rt_quant(rt, out);
  if (rt_expect_type(rt, node, in, RUNTIME_INT8, "input") || rt_expect_type(rt, node, filter, RUNTIME_INT8, "filter") ||
      rt_expect_type(rt, node, out, RUNTIME_INT8, "output") || rt_expect_rank(rt, node, filter, 4, "filter"))
    return RUNTIME_E_UNSUPPORTED;
  if (bias && rt_expect_type(rt, node, bias, RUNTIME_INT32, "bias")) return RUNTIME_E_UNSUPPORTED;
  if (!(filter->flags & RT_T_CONST)) return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "non-constant filter", "");
  rt_conv_data_t *d = rt_persistent(rt, node, sizeof *d);
  if (!d) return RUNTIME_E_ARENA;
  *out_data = d;
  node->data = d;
  if (in->rank != 4 || out->rank != 4) return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "tensors must be 4-D", "");
  d->in_depth = in->dims[3];
  d->out_depth = out->dims[3];
  if (d->out_depth <= 0 || d->in_depth <= 0) return rt_fail(rt, node, RUNTIME_E_MODEL, "empty channels", "");
  if (bias && rt_elements(bias) != (uint32_t)d->out_depth)
    return rt_fail(rt, node, RUNTIME_E_MODEL, "bias size mismatch", "");
  d->input_offset = -in_q->zero_point;
  d->output_offset = out_q->zero_point;
  d->mult_step = filter_q->num_scales > 1;
  return rt_channel_multipliers(rt, node, in, filter, out, (uint32_t)d->out_depth, &d->multiplier, &d->shift);
}

int rt_conv_prepare(rt_interp_t *rt, rt_node_t *node) {
  rt_conv_data_t *d = 0;
  int rc = common(rt, node, &d);
  if (rc || !d) return rc ? rc : RUNTIME_E_MODEL; /* d is set whenever rc is 0 (the analyzer cannot see it) */
  rt_tensor_t *in = rt_input(rt, node, 0), *filter = rt_input(rt, node, 1), *out = rt_output(rt, node, 0);
  const rt_quant_t *filter_q = rt_quant(rt, filter);
  if (filter_q->zero_point != 0) return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "asymmetric filter", "");
  d->filter_in_depth = filter->dims[3];
  if (filter->dims[0] != d->out_depth || d->filter_in_depth <= 0 || d->in_depth % d->filter_in_depth)
    return rt_fail(rt, node, RUNTIME_E_MODEL, "filter shape does not match input/output channels", "");
  d->groups = d->in_depth / d->filter_in_depth;
  if (d->out_depth % d->groups) return rt_fail(rt, node, RUNTIME_E_MODEL, "output channels not divisible by groups", "");
  rt_activation_range(rt, out, rt_opt_u8(rt, node, 3, RT_ACT_NONE), &d->act_min, &d->act_max);
  return rt_window_geometry(rt, node, in, out, rt_opt_u8(rt, node, 0, RT_PADDING_SAME), filter->dims[1],
                            filter->dims[2], rt_opt_i32(rt, node, 2, 1), rt_opt_i32(rt, node, 1, 1),
                            rt_opt_i32(rt, node, 5, 1), rt_opt_i32(rt, node, 4, 1), &d->g);
}

/* The first of `taps` taps from `origin` (step `dil`) inside [0, size), or -1. */
static int32_t first_tap(int32_t origin, int32_t dil, int32_t taps, int32_t size) {
  for (int32_t t = 0; t < taps; t++)
    if (origin + dil * t >= 0 && origin + dil * t < size) return t;
  return -1;
}

int32_t rt_window_overlap(const rt_conv_data_t *d, int32_t group, int gathered) {
  const rt_window_t *g = &d->g;
  const int64_t pixels = (int64_t)g->batches * g->out_h * g->out_w;
  int64_t lowest = INT64_MAX, need = 0; /* the lowest input byte pixel p or a later one reads */
  for (int64_t p = pixels - 1; p >= 0; p--) {
    const int32_t ox = (int32_t)(p % g->out_w), oy = (int32_t)(p / g->out_w % g->out_h);
    const int64_t b = p / ((int64_t)g->out_w * g->out_h);
    const int32_t iy0 = oy * g->stride_h - g->pad_h, ix0 = ox * g->stride_w - g->pad_w;
    const int32_t fy = first_tap(iy0, g->dil_h, g->k_h, g->in_h), fx = first_tap(ix0, g->dil_w, g->k_w, g->in_w);
    if (fy >= 0 && fx >= 0) {
      int64_t low = ((b * g->in_h + iy0 + g->dil_h * fy) * g->in_w + ix0 + g->dil_w * fx) * d->in_depth;
      if (low < lowest) lowest = low;
    }
    if (lowest == INT64_MAX) continue;
    /* A pass ending at p (gathered), or one holding p that still reads p's window as it writes (not gathered). */
    const int64_t end = gathered ? p * d->out_depth : (p + group < pixels ? p + group : pixels) * d->out_depth;
    if (end - lowest > need) need = end - lowest;
  }
  return need > 0x7FFFFFFF ? -1 : (int32_t)need;
}

int rt_depthwise_one_channel_fits(rt_interp_t *rt, rt_node_t *node) {
  const rt_conv_data_t *d = node->data;
  if (d->in_depth == 1 && (d->out_depth & 3) == 0 && d->g.dil_w == 1) return 0;
  return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "this build links only DEPTHWISE_CONV_2D's one-input-channel ",
                 "variant (its op table came from other models)");
}

int rt_depthwise_prepare(rt_interp_t *rt, rt_node_t *node) {
  rt_conv_data_t *d = 0;
  int rc = common(rt, node, &d);
  if (rc || !d) return rc ? rc : RUNTIME_E_MODEL; /* d is set whenever rc is 0 (the analyzer cannot see it) */
  rt_tensor_t *in = rt_input(rt, node, 0), *filter = rt_input(rt, node, 1), *out = rt_output(rt, node, 0);
  const rt_quant_t *filter_q = rt_quant(rt, filter);
  if (filter_q->zero_point != 0) return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "asymmetric filter", "");
  if (filter->dims[0] != 1 || filter->dims[3] != d->out_depth || d->out_depth % d->in_depth)
    return rt_fail(rt, node, RUNTIME_E_MODEL, "filter shape does not match input/output channels", "");
  d->depth_multiplier = d->out_depth / d->in_depth;
  rt_activation_range(rt, out, rt_opt_u8(rt, node, 4, RT_ACT_NONE), &d->act_min, &d->act_max);
  return rt_window_geometry(rt, node, in, out, rt_opt_u8(rt, node, 0, RT_PADDING_SAME), filter->dims[1],
                            filter->dims[2], rt_opt_i32(rt, node, 2, 1), rt_opt_i32(rt, node, 1, 1),
                            rt_opt_i32(rt, node, 6, 1), rt_opt_i32(rt, node, 5, 1), &d->g);
}

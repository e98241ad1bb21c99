#include "padding.h"

int rt_window_geometry(rt_interp_t *rt, const rt_node_t *node, const rt_tensor_t *in, const rt_tensor_t *out,
                       int padding, int32_t k_h, int32_t k_w, int32_t stride_h, int32_t stride_w, int32_t dil_h,
                       int32_t dil_w, rt_window_t *g) {
  if (rt_expect_rank(rt, node, in, 4, "input") || rt_expect_rank(rt, node, out, 4, "output")) return RUNTIME_E_UNSUPPORTED;
  if (stride_h <= 0 || stride_w <= 0 || dil_h <= 0 || dil_w <= 0 || k_h <= 0 || k_w <= 0)
    return rt_fail(rt, node, RUNTIME_E_MODEL, "bad stride, dilation or window", "");
  if (padding != RT_PADDING_SAME && padding != RT_PADDING_VALID)
    return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "unsupported padding", "");
  g->batches = in->dims[0];
  g->in_h = in->dims[1];
  g->in_w = in->dims[2];
  g->k_h = k_h;
  g->k_w = k_w;
  g->stride_h = stride_h;
  g->stride_w = stride_w;
  g->dil_h = dil_h;
  g->dil_w = dil_w;
  g->out_h = rt_out_size(padding, g->in_h, k_h, stride_h, dil_h);
  g->out_w = rt_out_size(padding, g->in_w, k_w, stride_w, dil_w);
  if (out->dims[0] != g->batches || out->dims[1] != g->out_h || out->dims[2] != g->out_w)
    return rt_fail(rt, node, RUNTIME_E_MODEL, "output shape does not match the window geometry", "");
  g->pad_h = rt_padding(stride_h, dil_h, g->in_h, k_h, g->out_h);
  g->pad_w = rt_padding(stride_w, dil_w, g->in_w, k_w, g->out_w);
  return 0;
}

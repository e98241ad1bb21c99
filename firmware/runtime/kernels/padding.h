/* Output size and padding as TFLM computes them (ComputeOutSize, ComputePaddingWithOffset). */
#ifndef HARK_RUNTIME_PADDING_H
#define HARK_RUNTIME_PADDING_H

#include <stdint.h>

#include "kernel.h"

static inline int32_t rt_out_size(int padding, int32_t in, int32_t filter, int32_t stride, int32_t dilation) {
  int32_t eff = (filter - 1) * dilation + 1;
  if (stride <= 0) return 0;
  return padding == RT_PADDING_SAME ? (in + stride - 1) / stride : (in + stride - eff) / stride;
}

static inline int32_t rt_padding(int32_t stride, int32_t dilation, int32_t in, int32_t filter, int32_t out) {
  int32_t eff = (filter - 1) * dilation + 1;
  int32_t total = (out - 1) * stride + eff - in;
  return total > 0 ? total / 2 : 0;
}

/* Checks 4-D NHWC shapes of a windowed op and fills the spatial geometry; 0 or a recorded error. */
typedef struct {
  int32_t batches, in_h, in_w, out_h, out_w, stride_h, stride_w, dil_h, dil_w, pad_h, pad_w, k_h, k_w;
} rt_window_t;

int rt_window_geometry(rt_interp_t *rt, const rt_node_t *node, const rt_tensor_t *in, const rt_tensor_t *out,
                       int padding, int32_t k_h, int32_t k_w, int32_t stride_h, int32_t stride_w, int32_t dil_h,
                       int32_t dil_w, rt_window_t *g);

#endif

/* CONV_2D and DEPTHWISE_CONV_2D: op data shared by the portable kernels and their DSP twins. */
#ifndef HARK_RUNTIME_CONV_H
#define HARK_RUNTIME_CONV_H

#include "kernel.h"
#include "padding.h"

typedef struct {
  rt_window_t g;
  int32_t *multiplier;
  int8_t *shift; /* per output channel, or one (mult_step 0) for a per-tensor filter */
  uint32_t mult_step;
  int32_t input_offset, output_offset, act_min, act_max;
  int32_t in_depth, out_depth, filter_in_depth, depth_multiplier, groups;
  int32_t short_requant; /* DSP twins: rt_mbqm_short is exact for this node (kernels/arm/requant.h) */
} rt_conv_data_t;

int rt_conv_prepare(rt_interp_t *rt, rt_node_t *node);
int rt_depthwise_prepare(rt_interp_t *rt, rt_node_t *node);
/* After prepare: 0 if the node fits DEPTHWISE_CONV_2D_ONE_CHANNEL (one input channel, output channels a
 * multiple of 4, horizontal dilation 1), else an error naming the variant. */
int rt_depthwise_one_channel_fits(rt_interp_t *rt, rt_node_t *node);
/* rt_kernel_t.overlap for a kernel that writes output pixels in raster order, in passes of at most `group`
 * pixels, and reads the input only inside the windows: the least distance by which the output may start below
 * the input without a write reaching an input byte that a pixel not yet done still reads (from the geometry,
 * every pixel checked). `gathered`: each pass copies its pixels' windows to scratch before its first write, so
 * only later passes' reads count (a 1x1 convolution with as many output channels as input channels: 0). */
int32_t rt_window_overlap(const rt_conv_data_t *d, int32_t group, int gathered);

#endif

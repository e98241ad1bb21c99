/* FULLY_CONNECTED: op data shared by the portable kernel and its DSP twin. */
#ifndef HARK_RUNTIME_FULLY_CONNECTED_H
#define HARK_RUNTIME_FULLY_CONNECTED_H

#include "kernel.h"

typedef struct {
  int32_t *multiplier;
  int8_t *shift; /* per output channel, or one (mult_step 0) for a per-tensor filter */
  uint32_t mult_step;
  int32_t input_offset, filter_offset, output_offset, act_min, act_max;
  uint32_t batches, accum_depth, out_depth;
} rt_fc_data_t;

/* Checks types and shapes, computes multipliers. */
int rt_fc_prepare(rt_interp_t *rt, rt_node_t *node);

#endif

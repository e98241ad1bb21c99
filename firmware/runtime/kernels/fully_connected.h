/* FULLY_CONNECTED: op data shared by the portable kernel and its DSP twin. */
#ifndef HARK_RUNTIME_FULLY_CONNECTED_H
#define HARK_RUNTIME_FULLY_CONNECTED_H

#include "kernel.h"

typedef struct {
  const int8_t *filter; /* the constant filter and bias (rt_const_data); NULL: read with rt_input */
  const int32_t *bias;
  int32_t *multiplier;
  int8_t *shift; /* per output channel, or one (mult_step 0) for a per-tensor filter */
  uint32_t batches, accum_depth, out_depth;
  /* int8 zero points negated and an int8 output's range: int16 is enough (40 B an op on the board) */
  int16_t input_offset, filter_offset, output_offset, act_min, act_max;
  uint8_t mult_step;
} rt_fc_data_t;

/* Checks types and shapes, computes multipliers, keeps the constants' data. */
int rt_fc_prepare(rt_interp_t *rt, rt_node_t *node);

/* The filter and bias for eval: from op data, or the tensors when they are not constants. */
static inline void rt_fc_weights(rt_interp_t *rt, const rt_node_t *node, const int8_t **filter, const int32_t **bias) {
  const rt_fc_data_t *d = node->data;
  const rt_tensor_t *b = d->bias ? 0 : rt_input(rt, node, 2);
  *filter = d->filter ? d->filter : (const int8_t *)rt_input(rt, node, 1)->data;
  *bias = d->bias ? d->bias : b ? (const int32_t *)b->data : 0;
}

#endif

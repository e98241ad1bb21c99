/* SVDF: op data shared by the portable kernel and its DSP twin. */
#ifndef HARK_RUNTIME_SVDF_H
#define HARK_RUNTIME_SVDF_H

#include <string.h>

#include "kernel.h"

/* 40 B an op (the shapes are capped at 32767 by prepare, the zero points are int8's, the shifts in [-31, 31]). */
typedef struct {
  const int8_t *wf;   /* the constant weights and bias (rt_const_data); NULL: read with rt_input */
  const int16_t *wt;
  const int32_t *bias;
  int32_t scale_1_a, scale_2_a;
  int8_t scale_1_b, scale_2_b;
  int16_t input_zp, output_zp;
  int16_t batches, inputs, filters, units, memory, rank;
} rt_svdf_data_t;

/* Checks types and shapes, computes TFLM's two multipliers, keeps the constants' data. */
int rt_svdf_prepare(rt_interp_t *rt, rt_node_t *node);

/* The weights and bias for eval: from op data, or the tensors when they are not constants. */
static inline void rt_svdf_weights(rt_interp_t *rt, const rt_node_t *node, const int8_t **wf, const int16_t **wt,
                                   const int32_t **bias) {
  const rt_svdf_data_t *d = node->data;
  const rt_tensor_t *b = d->bias ? 0 : rt_input(rt, node, 3);
  *wf = d->wf ? d->wf : (const int8_t *)rt_input(rt, node, 1)->data;
  *wt = d->wt ? d->wt : (const int16_t *)rt_input(rt, node, 2)->data;
  *bias = d->bias ? d->bias : b ? (const int32_t *)b->data : 0;
}

/* The output may start where the input does: both kernels read all of the input (into the state) before they
 * write any output, so the planner lays them in the same bytes when the input dies here (rt_kernel_t.overlap). */
int32_t rt_svdf_overlap(const rt_node_t *node);

/* Shifts the state left by one step (the oldest value of each filter falls off) with word copies. */
static inline void rt_svdf_shift_state(int16_t *state, uint32_t n) {
  uint32_t i = 0;
  /* Forward copy from one element ahead: each read happens before its bytes are overwritten. */
  for (; i + 2 < n; i += 2) {
    uint32_t w;
    memcpy(&w, state + i + 1, 4);
    memcpy(state + i, &w, 4);
  }
  for (; i + 1 < n; i++) state[i] = state[i + 1];
}

#endif

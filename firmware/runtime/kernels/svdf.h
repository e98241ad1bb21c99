/* SVDF: op data shared by the portable kernel and its DSP twin. */
#ifndef HARK_RUNTIME_SVDF_H
#define HARK_RUNTIME_SVDF_H

#include <string.h>

#include "kernel.h"

typedef struct {
  int32_t scale_1_a, scale_1_b, scale_2_a, scale_2_b;
  int32_t input_zp, output_zp;
  int32_t batches, inputs, filters, units, memory, rank;
} rt_svdf_data_t;

/* Checks types and shapes, computes TFLM's two multipliers, requests the int32 scratch. */
int rt_svdf_prepare(rt_interp_t *rt, rt_node_t *node);

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

/* The last two steps, shared: sums of `rank` filters per unit plus bias, rescaled to int8. */
void rt_svdf_reduce_output(const rt_svdf_data_t *d, const int32_t *scratch, const int32_t *bias, int8_t *out);

#endif

/* MEAN: op data and the two loops shared by the portable kernel and its DSP twin. */
#ifndef HARK_RUNTIME_MEAN_H
#define HARK_RUNTIME_MEAN_H

#include <string.h>

#include "kernel.h"
#include "quant.h"

#define MEAN_DIMS 6

typedef struct {
  int32_t in_dims[MEAN_DIMS];
  uint8_t reduced[MEAN_DIMS];    /* 1 for a reduced axis */
  int32_t out_stride[MEAN_DIMS]; /* output element stride of each input axis (0 when reduced) */
  int32_t count;                 /* elements summed per output */
  int32_t multiplier, shift, in_zp, out_zp;
  uint32_t n_out;
  uint8_t rank;
  uint8_t rows; /* 1 when the input is `count` rows of the `n_out` outputs (reduced axes outermost) */
} rt_mean_data_t;

/* Checks types, axes and the output shape, folds 1/count into TFLM's multiplier, requests the sums. */
int rt_mean_prepare(rt_interp_t *rt, rt_node_t *node);

/* Any axes: walks the input once, adding each element to its output's sum. */
static inline void rt_mean_sum_any(const rt_mean_data_t *d, const int8_t *x, int32_t *sum) {
  int32_t idx[MEAN_DIMS] = {0};
  for (uint32_t k = 0;; k++) {
    int32_t o = 0;
    for (int i = 0; i < d->rank; i++) o += idx[i] * d->out_stride[i];
    sum[o] += x[k];
    int i = d->rank - 1;
    while (i >= 0 && ++idx[i] == d->in_dims[i]) idx[i--] = 0;
    if (i < 0) break;
  }
}

/* Zero-point correction and TFLM's rescaling of each sum. */
static inline void rt_mean_finish(const rt_mean_data_t *d, const int32_t *sum, int8_t *y) {
  for (uint32_t o = 0; o < d->n_out; o++) {
    int32_t shifted = (int32_t)((int64_t)sum[o] - (int64_t)d->in_zp * d->count);
    y[o] = (int8_t)rt_clamp(rt_mbqm(shifted, d->multiplier, d->shift) + d->out_zp, INT8_MIN, INT8_MAX);
  }
}

/* 1 (with y zeroed) when an input axis is empty: nothing to sum. */
static inline int rt_mean_empty(const rt_mean_data_t *d, int8_t *y) {
  for (int i = 0; i < d->rank; i++)
    if (d->in_dims[i] == 0) {
      memset(y, 0, d->n_out);
      return 1;
    }
  return 0;
}

#endif

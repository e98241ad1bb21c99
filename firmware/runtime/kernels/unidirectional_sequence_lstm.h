/* UNIDIRECTIONAL_SEQUENCE_LSTM: prepare and the step loop are shared (unidirectional_sequence_lstm_common.c);
 * the gate matrix products are the part with a portable and a DSP version. */
#ifndef HARK_RUNTIME_KERNELS_LSTM_H
#define HARK_RUNTIME_KERNELS_LSTM_H

#include "kernel.h"

int rt_lstm_prepare(rt_interp_t *rt, rt_node_t *node);
int rt_lstm_eval(rt_interp_t *rt, rt_node_t *node);

/* out[b][s] = sat16(mbqm(sum_i w[s][i] * (x[b][i] + offset) + bias[s], mult, shift)); bias may be NULL. */
void rt_lstm_fc16(const int8_t *x, int32_t offset, const int8_t *w, const int32_t *bias, int32_t mult, int32_t shift,
                  int32_t batches, int32_t n_in, int32_t n_out, int16_t *out);

#endif

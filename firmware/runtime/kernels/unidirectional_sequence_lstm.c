/* UNIDIRECTIONAL_SEQUENCE_LSTM, portable gate products (the rest: unidirectional_sequence_lstm_common.c). */
#include "quant.h"
#include "unidirectional_sequence_lstm.h"

void rt_lstm_fc16(const int8_t *x, int32_t offset, const int8_t *w, const int32_t *bias, int32_t mult, int32_t shift,
                  int32_t batches, int32_t n_in, int32_t n_out, int16_t *out) {
  for (int32_t b = 0; b < batches; b++) {
    const int8_t *xb = x + b * n_in;
    for (int32_t s = 0; s < n_out; s++) {
      const int8_t *ws = w + s * n_in;
      int32_t acc = 0;
      for (int32_t i = 0; i < n_in; i++) acc += ws[i] * (xb[i] + offset);
      if (bias) acc += bias[s];
      out[b * n_out + s] = (int16_t)rt_clamp(rt_mbqm(acc, mult, shift), INT16_MIN, INT16_MAX);
    }
  }
}

RT_DEFINE_KERNEL(UNIDIRECTIONAL_SEQUENCE_LSTM, 44, 0, rt_lstm_prepare, rt_lstm_eval);

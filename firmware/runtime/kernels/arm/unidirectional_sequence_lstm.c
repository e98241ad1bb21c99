/* UNIDIRECTIONAL_SEQUENCE_LSTM, DSP twin of the gate products: 4 bytes at a time, the input offset added
 * to both halfword lanes by SXTAB16 (x + offset fits 16 bits), the pairs multiplied by SMLAD. The
 * products are exact and the sum wraps as the portable loop's does, so the result is the same. */
#include "dsp.h"
#include "quant.h"
#include "unidirectional_sequence_lstm.h"

void rt_lstm_fc16(const int8_t *x, int32_t offset, const int8_t *w, const int32_t *bias, int32_t mult, int32_t shift,
                  int32_t batches, int32_t n_in, int32_t n_out, int16_t *out) {
  const int32_t off2 = (int32_t)(((uint32_t)offset << 16) | ((uint32_t)offset & 0xFFFFu));
  const int32_t groups = n_in / 4;
  for (int32_t b = 0; b < batches; b++) {
    const int8_t *xb = x + b * n_in;
    for (int32_t s = 0; s < n_out; s++) {
      const int8_t *ws = w + s * n_in;
      const int8_t *px = xb, *pw = ws;
      int32_t acc = 0;
      for (int32_t k = 0; k < groups; k++) {
        int32_t xv = rt_load32(px), wv = rt_load32(pw);
        acc = RT_SMLAD(RT_SXTAB16(off2, xv), RT_SXTB16(wv), acc);
        acc = RT_SMLAD(RT_SXTAB16(off2, rt_ror8(xv)), RT_SXTB16(rt_ror8(wv)), acc);
        px += 4;
        pw += 4;
      }
      for (int32_t i = groups * 4; i < n_in; i++) acc += ws[i] * (xb[i] + offset);
      if (bias) acc += bias[s];
      out[b * n_out + s] = (int16_t)rt_clamp(rt_mbqm(acc, mult, shift), INT16_MIN, INT16_MAX);
    }
  }
}

RT_DEFINE_KERNEL(UNIDIRECTIONAL_SEQUENCE_LSTM, 44, 0, rt_lstm_prepare, rt_lstm_eval);

/* TFLM's 16-bit sigmoid and tanh (reference_integer_ops::Logistic/Tanh for int16): a 256-entry table of
 * sigmoid(i/24) in 0.16 with linear interpolation, tanh(x) = 2 sigmoid(2x) - 1. Used by the integer
 * LSTM and the int16 LOGISTIC/TANH kernels. */
#ifndef HARK_RUNTIME_KERNELS_SIGMOID_LUT_H
#define HARK_RUNTIME_KERNELS_SIGMOID_LUT_H

#include <stdint.h>

/* `multiplier` 0 means the power-of-two case: the input is scaled by 3 << left_shift. */
void rt_logistic16(int32_t multiplier, int32_t left_shift, uint32_t n, const int16_t *in, int16_t *out);
void rt_tanh16(int32_t multiplier, int32_t left_shift, uint32_t n, const int16_t *in, int16_t *out);

#endif

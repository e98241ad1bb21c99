/* int8 LOGISTIC and TANH, TFLM's way: the input is rescaled to a Q4.27 fixed-point value and gemmlowp's
 * logistic/tanh give a Q0.31 result (inputs beyond the radius saturate). */
#ifndef HARK_RUNTIME_KERNELS_SIGMOID_Q_H
#define HARK_RUNTIME_KERNELS_SIGMOID_Q_H

#include "kernel.h"

typedef struct {
  int32_t zero_point, radius, multiplier, shift;
} rt_sigmoid_q_t;

/* Input multiplier, shift and radius for a Q4.27 input (TFLM's kInputIntegerBits = 4). */
int rt_sigmoid_q_prepare(rt_interp_t *rt, rt_node_t *node, rt_sigmoid_q_t *d, int32_t out_zero_point,
                         float out_scale);
int32_t rt_logistic_q0(int32_t x_q4);
int32_t rt_tanh_q0(int32_t x_q4);

#endif

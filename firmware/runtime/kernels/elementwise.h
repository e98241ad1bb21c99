/* Shared by the int8 binary ops (ADD, SUB, MUL): broadcasting of two inputs to the output shape (up to
 * 6-D, numpy rules, as TFLM's BroadcastBinaryOpSimple) and TFLM's quantization of ADD/SUB. */
#ifndef HARK_RUNTIME_KERNELS_ELEMENTWISE_H
#define HARK_RUNTIME_KERNELS_ELEMENTWISE_H

#include "kernel.h"

#define RT_BCAST_DIMS 6

typedef struct {
  int32_t dims[RT_BCAST_DIMS];    /* the output shape, left-padded with 1s */
  int32_t stride1[RT_BCAST_DIMS]; /* element strides of each input; 0 along broadcast dims */
  int32_t stride2[RT_BCAST_DIMS];
  int32_t act_min, act_max;
  int32_t offset1, offset2, out_offset; /* -zero points; output zero point */
  int32_t mult1, shift1, mult2, shift2, out_mult, out_shift;
  int32_t left_shift;
  int same_shape;
} rt_binary_t;

/* Checks int8 types and broadcast-compatible shapes, fills dims/strides/offsets/activation range.
 * Returns 0 or an error recorded against the node. */
int rt_binary_prepare(rt_interp_t *rt, rt_node_t *node, rt_binary_t *b, unsigned act_option);
/* TFLM's ADD/SUB quantization (left shift 20, inputs rescaled to twice the larger input scale). */
int rt_add_sub_params(rt_interp_t *rt, const rt_node_t *node, rt_binary_t *b);
/* Runs op(a, b, params) over the broadcast shape. */
void rt_binary_run(const rt_binary_t *b, const int8_t *in1, const int8_t *in2, int8_t *out,
                   int8_t (*op)(int32_t x1, int32_t x2, const rt_binary_t *b));

#endif

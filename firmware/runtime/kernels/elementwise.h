/* Broadcasting binary ops (ADD, MUL): shapes right-aligned to 6-D, strides 0 where a dim broadcasts. */
#ifndef HARK_RUNTIME_ELEMENTWISE_H
#define HARK_RUNTIME_ELEMENTWISE_H

#include "kernel.h"

#define RT_BCAST_DIMS 6

typedef struct {
  int32_t out[RT_BCAST_DIMS];
  int32_t s1[RT_BCAST_DIMS], s2[RT_BCAST_DIMS]; /* element strides of the inputs, 0 on broadcast dims */
  uint32_t count;
  int same_shape;
} rt_bcast_t;

/* Checks that in1 and in2 broadcast to out; 0 or a recorded error. */
int rt_bcast_prepare(rt_interp_t *rt, const rt_node_t *node, const rt_tensor_t *in1, const rt_tensor_t *in2,
                     const rt_tensor_t *out, rt_bcast_t *b);

/* Calls fn(i, j, k) for every output element k with input element indices i, j. */
#define RT_BCAST_FOR_EACH(b, BODY)                                                                          \
  do {                                                                                                       \
    if ((b)->same_shape) {                                                                                   \
      for (uint32_t k_ = 0; k_ < (b)->count; k_++) {                                                         \
        uint32_t i1 = k_, i2 = k_, ko = k_;                                                                  \
        BODY;                                                                                                \
      }                                                                                                      \
    } else {                                                                                                 \
      uint32_t ko = 0;                                                                                       \
      for (int32_t d0 = 0; d0 < (b)->out[0]; d0++)                                                           \
        for (int32_t d1 = 0; d1 < (b)->out[1]; d1++)                                                         \
          for (int32_t d2 = 0; d2 < (b)->out[2]; d2++)                                                       \
            for (int32_t d3 = 0; d3 < (b)->out[3]; d3++)                                                     \
              for (int32_t d4 = 0; d4 < (b)->out[4]; d4++)                                                   \
                for (int32_t d5 = 0; d5 < (b)->out[5]; d5++, ko++) {                                         \
                  uint32_t i1 = (uint32_t)(d0 * (b)->s1[0] + d1 * (b)->s1[1] + d2 * (b)->s1[2] +             \
                                           d3 * (b)->s1[3] + d4 * (b)->s1[4] + d5 * (b)->s1[5]);             \
                  uint32_t i2 = (uint32_t)(d0 * (b)->s2[0] + d1 * (b)->s2[1] + d2 * (b)->s2[2] +             \
                                           d3 * (b)->s2[3] + d4 * (b)->s2[4] + d5 * (b)->s2[5]);             \
                  BODY;                                                                                      \
                }                                                                                            \
    }                                                                                                        \
  } while (0)

#endif

/* AVERAGE_POOL_2D and MAX_POOL_2D share their prepare. */
#ifndef HARK_RUNTIME_POOL_H
#define HARK_RUNTIME_POOL_H

#include "kernel.h"
#include "padding.h"

typedef struct {
  rt_window_t g;
  int32_t depth, act_min, act_max;
} rt_pool_data_t;

int rt_pool_prepare(rt_interp_t *rt, rt_node_t *node);

#endif

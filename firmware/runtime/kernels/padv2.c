/* PADV2: PAD with an explicit pad value (input 2); the kernel is pad.c's. */
#include "kernel.h"

extern const rt_kernel_t rt_kernel_PAD;

static int prepare(rt_interp_t *rt, rt_node_t *node) { return rt_kernel_PAD.prepare(rt, node); }
static int eval(rt_interp_t *rt, rt_node_t *node) { return rt_kernel_PAD.eval(rt, node); }

RT_DEFINE_KERNEL(PADV2, 60, 0, prepare, eval);

#include "pool.h"
#include "quant.h"

int rt_pool_prepare(rt_interp_t *rt, rt_node_t *node) {
  rt_tensor_t *in = rt_input(rt, node, 0), *out = rt_output(rt, node, 0);
  if (rt_expect_type(rt, node, in, RUNTIME_INT8, "input") || rt_expect_type(rt, node, out, RUNTIME_INT8, "output"))
    return RUNTIME_E_UNSUPPORTED;
  rt_pool_data_t *d = rt_persistent(rt, node, sizeof *d);
  if (!d) return RUNTIME_E_ARENA;
  node->data = d;
  int rc = rt_window_geometry(rt, node, in, out, rt_opt_u8(rt, node, 0, RT_PADDING_SAME), rt_opt_i32(rt, node, 4, 0),
                              rt_opt_i32(rt, node, 3, 0), rt_opt_i32(rt, node, 2, 1), rt_opt_i32(rt, node, 1, 1), 1, 1,
                              &d->g);
  if (rc) return rc;
  d->depth = in->dims[3];
  if (out->dims[3] != d->depth) return rt_fail(rt, node, RUNTIME_E_MODEL, "input and output depth differ", "");
  rt_activation_range(rt, out, rt_opt_u8(rt, node, 5, RT_ACT_NONE), &d->act_min, &d->act_max);
  return 0;
}

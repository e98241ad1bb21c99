#include "elementwise.h"

static void strides_of(const rt_tensor_t *t, const int32_t *out, int32_t *s) {
  int32_t stride = 1;
  for (int d = RT_BCAST_DIMS - 1; d >= 0; d--) {
    int src = d - (RT_BCAST_DIMS - (int)t->rank);
    int32_t dim = src >= 0 ? t->dims[src] : 1;
    s[d] = (dim == 1 && out[d] != 1) ? 0 : stride;
    stride *= dim;
  }
}

int rt_bcast_prepare(rt_interp_t *rt, const rt_node_t *node, const rt_tensor_t *in1, const rt_tensor_t *in2,
                     const rt_tensor_t *out, rt_bcast_t *b) {
  if (!in1 || !in2 || !out) return rt_fail(rt, node, RUNTIME_E_MODEL, "missing tensor", "");
  if (out->rank > RT_BCAST_DIMS || in1->rank > out->rank || in2->rank > out->rank)
    return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "rank above 6 or inputs of higher rank than the output", "");
  for (int d = 0; d < RT_BCAST_DIMS; d++) {
    int src = d - (RT_BCAST_DIMS - (int)out->rank);
    b->out[d] = src >= 0 ? out->dims[src] : 1;
  }
  const rt_tensor_t *ins[2] = {in1, in2};
  for (int k = 0; k < 2; k++)
    for (int d = 0; d < RT_BCAST_DIMS; d++) {
      int src = d - (RT_BCAST_DIMS - (int)ins[k]->rank);
      int32_t dim = src >= 0 ? ins[k]->dims[src] : 1;
      if (dim != b->out[d] && dim != 1)
        return rt_fail(rt, node, RUNTIME_E_MODEL, "input shapes do not broadcast to the output", "");
    }
  strides_of(in1, b->out, b->s1);
  strides_of(in2, b->out, b->s2);
  b->count = rt_elements(out);
  b->same_shape = rt_elements(in1) == b->count && rt_elements(in2) == b->count;
  return 0;
}

/* Broadcasting and ADD/SUB quantization for the binary int8 ops (elementwise.h). */
#include "elementwise.h"
#include "quant.h"

int rt_binary_prepare(rt_interp_t *rt, rt_node_t *node, rt_binary_t *b, unsigned act_option) {
  rt_tensor_t *in1 = rt_input(rt, node, 0), *in2 = rt_input(rt, node, 1), *out = rt_output(rt, node, 0);
  const rt_quant_t *in1_q = rt_quant(rt, in1), *in2_q = rt_quant(rt, in2), *out_q = rt_quant(rt, out);
  if (rt_expect_type(rt, node, in1, RUNTIME_INT8, "input 1") || rt_expect_type(rt, node, in2, RUNTIME_INT8, "input 2") ||
      rt_expect_type(rt, node, out, RUNTIME_INT8, "output"))
    return RUNTIME_E_UNSUPPORTED;
  if (!in1_q->scales || !in2_q->scales || !out_q->scales)
    return rt_fail(rt, node, RUNTIME_E_MODEL, "unquantized tensor", "");
  if (in1->rank > RT_BCAST_DIMS || in2->rank > RT_BCAST_DIMS || out->rank > RT_BCAST_DIMS)
    return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "more than 6 dims", "");
  b->same_shape = in1->rank == out->rank && in2->rank == out->rank;
  int32_t s1 = 1, s2 = 1;
  for (int i = RT_BCAST_DIMS - 1; i >= 0; i--) {
    int k1 = i - (RT_BCAST_DIMS - in1->rank), k2 = i - (RT_BCAST_DIMS - in2->rank), ko = i - (RT_BCAST_DIMS - out->rank);
    int32_t d1 = k1 >= 0 ? in1->dims[k1] : 1, d2 = k2 >= 0 ? in2->dims[k2] : 1, d = ko >= 0 ? out->dims[ko] : 1;
    if ((d1 != d && d1 != 1) || (d2 != d && d2 != 1) || (d1 != d && d2 != d))
      return rt_fail(rt, node, RUNTIME_E_MODEL, "input shapes do not broadcast to the output", "");
    b->dims[i] = d;
    b->stride1[i] = d1 == 1 ? 0 : s1;
    b->stride2[i] = d2 == 1 ? 0 : s2;
    b->same_shape &= d1 == d && d2 == d;
    s1 *= d1;
    s2 *= d2;
  }
  b->offset1 = -in1_q->zero_point;
  b->offset2 = -in2_q->zero_point;
  b->out_offset = out_q->zero_point;
  rt_activation_range(rt, out, rt_opt_u8(rt, node, act_option, RT_ACT_NONE), &b->act_min, &b->act_max);
  return 0;
}

int rt_add_sub_params(rt_interp_t *rt, const rt_node_t *node, rt_binary_t *b) {
  const rt_tensor_t *in1 = rt_input(rt, node, 0), *in2 = rt_input(rt, node, 1), *out = rt_output(rt, node, 0);
  const rt_quant_t *in1_q = rt_quant(rt, in1), *in2_q = rt_quant(rt, in2), *out_q = rt_quant(rt, out);
  int sh;
  b->left_shift = 20;
  double s1 = (double)in1_q->scales[0], s2 = (double)in2_q->scales[0];
  double twice_max = 2.0 * (s1 > s2 ? s1 : s2);
  if (rt_multiplier(rt, node, s1 / twice_max, &b->mult1, &sh, "input 1")) return RUNTIME_E_UNSUPPORTED;
  b->shift1 = sh;
  if (rt_multiplier(rt, node, s2 / twice_max, &b->mult2, &sh, "input 2")) return RUNTIME_E_UNSUPPORTED;
  b->shift2 = sh;
  if (rt_multiplier(rt, node, twice_max / ((double)(1 << b->left_shift) * (double)out_q->scales[0]), &b->out_mult, &sh,
                    "output"))
    return RUNTIME_E_UNSUPPORTED;
  b->out_shift = sh;
  return 0;
}

void rt_binary_run(const rt_binary_t *b, const int8_t *in1, const int8_t *in2, int8_t *out,
                   int8_t (*op)(int32_t x1, int32_t x2, const rt_binary_t *b)) {
  if (b->same_shape) {
    uint32_t n = 1;
    for (int i = 0; i < RT_BCAST_DIMS; i++) n *= (uint32_t)b->dims[i];
    for (uint32_t i = 0; i < n; i++) out[i] = op(in1[i], in2[i], b);
    return;
  }
  int32_t idx[RT_BCAST_DIMS] = {0};
  for (int i = 0; i < RT_BCAST_DIMS; i++)
    if (b->dims[i] == 0) return;
  for (;;) {
    int32_t o1 = 0, o2 = 0;
    for (int i = 0; i < RT_BCAST_DIMS; i++) {
      o1 += idx[i] * b->stride1[i];
      o2 += idx[i] * b->stride2[i];
    }
    *out++ = op(in1[o1], in2[o2], b);
    int i = RT_BCAST_DIMS - 1;
    while (i >= 0 && ++idx[i] == b->dims[i]) idx[i--] = 0;
    if (i < 0) break;
  }
}

/* MUL, int8 with broadcasting: TFLM's quantized MUL (one multiplier in1_scale * in2_scale / out_scale). */
#include "elementwise.h"
#include "quant.h"

static int prepare(rt_interp_t *rt, rt_node_t *node) {
  rt_binary_t *b = rt_persistent(rt, node, sizeof *b);
  if (!b) return RUNTIME_E_ARENA;
  if (rt_binary_prepare(rt, node, b, 0)) return RUNTIME_E_UNSUPPORTED;
  const rt_tensor_t *in1 = rt_input(rt, node, 0), *in2 = rt_input(rt, node, 1), *out = rt_output(rt, node, 0);
  const rt_quant_t *in1_q = rt_quant(rt, in1), *in2_q = rt_quant(rt, in2), *out_q = rt_quant(rt, out);
  int sh;
  const double real = (double)in1_q->scales[0] * (double)in2_q->scales[0] / (double)out_q->scales[0];
  if (rt_multiplier(rt, node, real, &b->out_mult, &sh, "output"))
    return RUNTIME_E_UNSUPPORTED;
  b->out_shift = sh;
  node->data = b;
  return 0;
}

static int8_t one(int32_t x1, int32_t x2, const rt_binary_t *b) {
  int32_t v = b->out_offset + rt_mbqm((x1 + b->offset1) * (x2 + b->offset2), b->out_mult, b->out_shift);
  return (int8_t)rt_clamp(v, b->act_min, b->act_max);
}

static int eval(rt_interp_t *rt, rt_node_t *node) {
  rt_binary_run(node->data, rt_input(rt, node, 0)->data, rt_input(rt, node, 1)->data, rt_output(rt, node, 0)->data, one);
  return 0;
}

RT_DEFINE_KERNEL(MUL, 18, 0, prepare, eval);

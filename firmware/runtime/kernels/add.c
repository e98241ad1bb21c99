/* ADD, int8 with broadcasting: TFLM's quantized ADD (inputs rescaled with a left shift of 20). */
#include "elementwise.h"
#include "quant.h"

static int prepare(rt_interp_t *rt, rt_node_t *node) {
  rt_binary_t *b = rt_persistent(rt, node, sizeof *b);
  if (!b) return RUNTIME_E_ARENA;
  if (rt_binary_prepare(rt, node, b, 0)) return RUNTIME_E_UNSUPPORTED;
  if (rt_add_sub_params(rt, node, b)) return RUNTIME_E_UNSUPPORTED;
  node->data = b;
  return 0;
}

static int8_t one(int32_t x1, int32_t x2, const rt_binary_t *b) {
  int32_t a = rt_mbqm((x1 + b->offset1) * (1 << b->left_shift), b->mult1, b->shift1);
  int32_t c = rt_mbqm((x2 + b->offset2) * (1 << b->left_shift), b->mult2, b->shift2);
  int32_t v = rt_mbqm(a + c, b->out_mult, b->out_shift) + b->out_offset;
  return (int8_t)rt_clamp(v, b->act_min, b->act_max);
}

static int eval(rt_interp_t *rt, rt_node_t *node) {
  rt_binary_run(node->data, rt_input(rt, node, 0)->data, rt_input(rt, node, 1)->data, rt_output(rt, node, 0)->data, one);
  return 0;
}

RT_DEFINE_KERNEL(ADD, 0, 0, prepare, eval);

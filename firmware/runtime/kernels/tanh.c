/* TANH, int8 (output scale 1/128, zero point 0 as TFLM requires). */
#include "quant.h"
#include "sigmoid_q.h"

static int prepare(rt_interp_t *rt, rt_node_t *node) {
  rt_sigmoid_q_t *d = rt_persistent(rt, node, sizeof *d);
  if (!d) return RUNTIME_E_ARENA;
  node->data = d;
  return rt_sigmoid_q_prepare(rt, node, d, 0, 1.0f / 128.0f);
}

static int eval(rt_interp_t *rt, rt_node_t *node) {
  const rt_sigmoid_q_t *d = node->data;
  const rt_tensor_t *in = rt_input(rt, node, 0);
  const int8_t *x = in->data;
  int8_t *y = rt_output(rt, node, 0)->data;
  uint32_t n = rt_elements(in);
  for (uint32_t i = 0; i < n; i++) {
    int32_t v = x[i] - d->zero_point;
    if (v <= -d->radius) y[i] = INT8_MIN;
    else if (v >= d->radius) y[i] = INT8_MAX;
    else {
      int32_t q0 = rt_tanh_q0(rt_mbqm(v, d->multiplier, d->shift));
      y[i] = (int8_t)rt_clamp(rt_rdbypot(q0, 24), INT8_MIN, INT8_MAX);
    }
  }
  return 0;
}

RT_DEFINE_KERNEL(TANH, 28, 0, prepare, eval);

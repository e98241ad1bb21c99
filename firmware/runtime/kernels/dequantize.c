/* DEQUANTIZE: int8/int16 -> float32 as TFLM: (float)(double scale * (q - zero_point)). */
#include "kernel.h"

typedef struct {
  float scale; /* widened to double per element, as TFLM */
  int32_t zero_point;
} dequantize_data_t;

static int prepare(rt_interp_t *rt, rt_node_t *node) {
  rt_tensor_t *in = rt_input(rt, node, 0), *out = rt_output(rt, node, 0);
  const rt_quant_t *in_q = rt_quant(rt, in);
  if (rt_expect_type(rt, node, out, RUNTIME_FLOAT32, "output")) return RUNTIME_E_UNSUPPORTED;
  if (!in || (in->type != RUNTIME_INT8 && in->type != RUNTIME_INT16 && in->type != RUNTIME_UINT8))
    return rt_expect_type(rt, node, in, RUNTIME_INT8, "input");
  if (!in_q->scales || rt_elements(in) != rt_elements(out))
    return rt_fail(rt, node, RUNTIME_E_MODEL, "unquantized input or shape mismatch", "");
  dequantize_data_t *d = rt_persistent(rt, node, sizeof *d);
  if (!d) return RUNTIME_E_ARENA;
  d->scale = in_q->scales[0];
  d->zero_point = in_q->zero_point;
  node->data = d;
  return 0;
}

static int eval(rt_interp_t *rt, rt_node_t *node) {
  const rt_tensor_t *in = rt_input(rt, node, 0);
  rt_tensor_t *out = rt_output(rt, node, 0);
  const dequantize_data_t *d = node->data;
  const double scale = (double)d->scale;
  const int32_t zp = d->zero_point;
  float *y = out->data;
  uint32_t n = rt_elements(out);
  for (uint32_t i = 0; i < n; i++) {
    int32_t q = in->type == RUNTIME_INT8    ? ((const int8_t *)in->data)[i]
                : in->type == RUNTIME_UINT8 ? ((const uint8_t *)in->data)[i]
                                            : ((const int16_t *)in->data)[i];
    y[i] = (float)(scale * (q - zp));
  }
  return 0;
}

RT_DEFINE_KERNEL(DEQUANTIZE, 6, 0, prepare, eval);

/* SOFTMAX, int8 -> int8/int16: TFLM's gemmlowp fixed-point reference (exp on Q5.26 differences,
 * Q12.19 accumulation, a Newton-Raphson reciprocal). */
#include "kernel.h"
#include "quant.h"

typedef struct {
  int32_t input_multiplier, input_left_shift, diff_min;
  uint32_t outer, depth;
} softmax_data_t;

enum { SCALED_DIFF_INTEGER_BITS = 5, ACCUMULATION_INTEGER_BITS = 12 };

static int prepare(rt_interp_t *rt, rt_node_t *node) {
  rt_tensor_t *in = rt_input(rt, node, 0), *out = rt_output(rt, node, 0);
  const rt_quant_t *in_q = rt_quant(rt, in), *out_q = rt_quant(rt, out);
  if (rt_expect_type(rt, node, in, RUNTIME_INT8, "input")) return RUNTIME_E_UNSUPPORTED;
  if (!out || (out->type != RUNTIME_INT8 && out->type != RUNTIME_INT16))
    return rt_expect_type(rt, node, out, RUNTIME_INT8, "output");
  if (!in_q->scales || !out_q->scales || in->rank < 1 || rt_elements(in) != rt_elements(out))
    return rt_fail(rt, node, RUNTIME_E_MODEL, "input and output must be quantized and of one shape", "");
  /* The output encoding is fixed: [0, 1) over the full range of the type. */
  float want = out->type == RUNTIME_INT8 ? 1.0f / 256 : 1.0f / 65536;
  float err = out_q->scales[0] > want ? out_q->scales[0] - want : want - out_q->scales[0];
  if (out_q->zero_point != (out->type == RUNTIME_INT8 ? -128 : -32768) || err > want * 0.001f)
    return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "output quantization must be 1/256, -128 (int16: 1/65536, -32768)", "");
  softmax_data_t *d = rt_persistent(rt, node, sizeof *d);
  if (!d) return RUNTIME_E_ARENA;
  float beta = rt_opt_f32(rt, node, 0, 1.0f);
  double real = (double)beta * (double)in_q->scales[0] * (double)(1 << (31 - SCALED_DIFF_INTEGER_BITS));
  if (real > (double)((1ll << 31) - 1)) real = (double)((1ll << 31) - 1);
  int shift;
  if (rt_multiplier(rt, node, real, &d->input_multiplier, &shift, "beta x input")) return RUNTIME_E_UNSUPPORTED;
  if (shift < 0) return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "beta x input scale too small", "");
  d->input_left_shift = shift;
  double max_rescaled = 1.0 * ((1 << SCALED_DIFF_INTEGER_BITS) - 1) *
                        (double)(1ll << (31 - SCALED_DIFF_INTEGER_BITS)) / (double)(1ll << shift);
  d->diff_min = -(int32_t)max_rescaled; /* floor: the value is positive */
  d->depth = (uint32_t)rt_dim(in, -1);
  if (d->depth == 0) return rt_fail(rt, node, RUNTIME_E_MODEL, "empty softmax", "");
  d->outer = rt_elements(in) / d->depth;
  node->data = d;
  return 0;
}

static int eval(rt_interp_t *rt, rt_node_t *node) {
  const softmax_data_t *d = node->data;
  const int8_t *in = rt_input(rt, node, 0)->data;
  rt_tensor_t *out_t = rt_output(rt, node, 0);
  const int out16 = out_t->type == RUNTIME_INT16;
  const int out_bits = out16 ? 16 : 8;
  const int32_t out_min = out16 ? INT16_MIN : INT8_MIN, out_max = out16 ? INT16_MAX : INT8_MAX;
  for (uint32_t i = 0; i < d->outer; i++) {
    const int8_t *x = in + i * d->depth;
    int32_t max_in_row = INT8_MIN;
    for (uint32_t c = 0; c < d->depth; c++)
      if (x[c] > max_in_row) max_in_row = x[c];
    int32_t sum_of_exps = 0; /* Q12.19 */
    for (uint32_t c = 0; c < d->depth; c++) {
      int32_t diff = x[c] - max_in_row;
      if (diff >= d->diff_min) {
        int32_t scaled = rt_srdhm((int32_t)((uint32_t)diff << d->input_left_shift), d->input_multiplier);
        sum_of_exps += rt_rdbypot(rt_exp_on_negative_values(scaled, SCALED_DIFF_INTEGER_BITS), ACCUMULATION_INTEGER_BITS);
      }
    }
    int num_bits_over_unit;
    int32_t shifted_scale = rt_get_reciprocal(sum_of_exps, ACCUMULATION_INTEGER_BITS, &num_bits_over_unit);
    for (uint32_t c = 0; c < d->depth; c++) {
      int32_t diff = x[c] - max_in_row;
      int32_t v = out_min;
      if (diff >= d->diff_min) {
        int32_t scaled = rt_srdhm((int32_t)((uint32_t)diff << d->input_left_shift), d->input_multiplier);
        int32_t e = rt_exp_on_negative_values(scaled, SCALED_DIFF_INTEGER_BITS);
        int32_t unsat = rt_rdbypot(rt_srdhm(shifted_scale, e), num_bits_over_unit + 31 - out_bits);
        v = rt_clamp(unsat + out_min, out_min, out_max);
      }
      if (out16)
        ((int16_t *)out_t->data)[i * d->depth + c] = (int16_t)v;
      else
        ((int8_t *)out_t->data)[i * d->depth + c] = (int8_t)v;
    }
  }
  return 0;
}

RT_DEFINE_KERNEL(SOFTMAX, 25, 0, prepare, eval);

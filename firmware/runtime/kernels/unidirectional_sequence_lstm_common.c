/* UNIDIRECTIONAL_SEQUENCE_LSTM, int8 activations and weights, int16 cell state: TFLM's integer LSTM
 * (lstm_eval: each gate is FC(input) + FC(hidden), saturated to int16 in Q3.12, then sigmoid or tanh
 * to Q0.15; the cell and hidden updates are quantized element-wise multiplies). As in TFLM: no CIFG,
 * peephole, projection or layer norm. */
#include <string.h>

#include "kernel.h"
#include "quant.h"
#include "sigmoid_lut.h"
#include "unidirectional_sequence_lstm.h"

enum { IN = 0, W_IN = 1, W_REC = 5, PEEPHOLE = 9, BIAS = 12, PROJ = 16, HIDDEN = 18, CELL = 19, NORM = 20 };
enum { G_INPUT = 0, G_FORGET = 1, G_CELL = 2, G_OUTPUT = 3 }; /* the order of the weight/bias inputs */
enum { ACT_TANH = 4, ACT_SIGMOID = 6 };

typedef struct {
  int32_t in_mult[4], in_shift[4], rec_mult[4], rec_shift[4];
  int32_t forget_cell_mult, forget_cell_shift, input_mult, input_shift, hidden_mult, hidden_shift;
  int32_t input_offset, hidden_offset, hidden_zp;
  int32_t cell_power;
  int16_t cell_clip; /* 0: none */
  uint8_t time_major, cell_act;
  int32_t batches, steps, n_in, n_state;
} lstm_data_t;

static int multiplier(rt_interp_t *rt, const rt_node_t *node, double real, int32_t *m, int32_t *s) {
  int shift;
  if (rt_multiplier(rt, node, real, m, &shift, "LSTM gate")) return RUNTIME_E_UNSUPPORTED;
  *s = shift;
  return 0;
}

/* TFLM's CheckedLog2: the scale must be an exact power of two. */
static int log2_exact(float scale, int32_t *power) {
  for (int p = -31; p <= 0; p++) {
    float v = 1.0f;
    for (int k = 0; k < -p; k++) v *= 0.5f;
    if (v == scale) {
      *power = p;
      return 1;
    }
  }
  return 0;
}

int rt_lstm_prepare(rt_interp_t *rt, rt_node_t *node) {
  if (node->n_inputs != 24 || node->n_outputs != 1)
    return rt_fail(rt, node, RUNTIME_E_MODEL, "LSTM takes 24 inputs and 1 output", "");
  rt_tensor_t *in = rt_input(rt, node, IN), *out = rt_output(rt, node, 0);
  const rt_quant_t *in_q = rt_quant(rt, in), *out_q = rt_quant(rt, out);
  rt_tensor_t *hidden = rt_input(rt, node, HIDDEN), *cell = rt_input(rt, node, CELL);
  const rt_quant_t *hidden_q = rt_quant(rt, hidden), *cell_q = rt_quant(rt, cell);
  if (rt_expect_type(rt, node, in, RUNTIME_INT8, "input") || rt_expect_type(rt, node, out, RUNTIME_INT8, "output") ||
      rt_expect_type(rt, node, hidden, RUNTIME_INT8, "hidden state") ||
      rt_expect_type(rt, node, cell, RUNTIME_INT16, "cell state"))
    return RUNTIME_E_UNSUPPORTED;
  if (!(hidden->flags & RT_T_VARIABLE) || !(cell->flags & RT_T_VARIABLE))
    return rt_fail(rt, node, RUNTIME_E_MODEL, "LSTM states must be variable tensors", "");
  for (unsigned i = PEEPHOLE; i < BIAS; i++)
    if (rt_input(rt, node, i)) return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "peephole LSTM", "");
  for (unsigned i = PROJ; i < HIDDEN; i++)
    if (rt_input(rt, node, i)) return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "projection LSTM", "");
  for (unsigned i = NORM; i < 24; i++)
    if (rt_input(rt, node, i)) return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "layer-norm LSTM", "");
  if (in->rank != 3 || out->rank != 3) return rt_fail(rt, node, RUNTIME_E_MODEL, "LSTM input and output must be 3-D", "");
  if (!in_q->scales || !hidden_q->scales || !cell_q->scales || !out_q->scales)
    return rt_fail(rt, node, RUNTIME_E_MODEL, "unquantized tensor", "");

  lstm_data_t *d = rt_persistent(rt, node, sizeof *d);
  if (!d) return RUNTIME_E_ARENA;
  node->data = d;
  d->cell_act = rt_opt_u8(rt, node, 0, ACT_TANH);
  float cell_clip = rt_opt_f32(rt, node, 1, 0.0f);
  d->time_major = rt_opt_u8(rt, node, 3, 0) ? 1 : 0;
  if (d->cell_act != ACT_TANH && d->cell_act != ACT_SIGMOID)
    return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "cell activation other than tanh or sigmoid", "");
  d->batches = d->time_major ? in->dims[1] : in->dims[0];
  d->steps = d->time_major ? in->dims[0] : in->dims[1];
  d->n_in = in->dims[2];
  if (hidden->rank < 2) return rt_fail(rt, node, RUNTIME_E_MODEL, "hidden state must be 2-D", "");
  d->n_state = hidden->dims[1];
  const int32_t S = d->n_state, I = d->n_in, B = d->batches;
  if (S <= 0 || I <= 0 || B <= 0) return rt_fail(rt, node, RUNTIME_E_MODEL, "empty LSTM", "");

  for (int g = 0; g < 4; g++) {
    rt_tensor_t *wi = rt_input(rt, node, W_IN + g), *wr = rt_input(rt, node, W_REC + g);
    const rt_quant_t *wi_q = rt_quant(rt, wi), *wr_q = rt_quant(rt, wr);
    rt_tensor_t *b = rt_input(rt, node, BIAS + g);
    if (rt_expect_type(rt, node, wi, RUNTIME_INT8, "input weights") ||
        rt_expect_type(rt, node, wr, RUNTIME_INT8, "recurrent weights") ||
        rt_expect_type(rt, node, b, RUNTIME_INT32, "bias"))
      return RUNTIME_E_UNSUPPORTED;
    if (wi->rank != 2 || wi->dims[0] != S || wi->dims[1] != I || wr->rank != 2 || wr->dims[0] != S ||
        wr->dims[1] != S || b->rank != 1 || b->dims[0] != S)
      return rt_fail(rt, node, RUNTIME_E_MODEL, "LSTM weight or bias shape mismatch", "");
    if (!wi_q->scales || !wr_q->scales || wi_q->num_scales != 1 || wr_q->num_scales != 1)
      return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "LSTM weights must be quantized per tensor", "");
    if (wi_q->zero_point || wr_q->zero_point)
      return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "asymmetric LSTM weights", "");
    /* Gate pre-activations are int16 in Q3.12 (scale 2^-12), as TFLM's CreateGateParams. */
    const double gate_scale = (double)0.000244140625f;
    if (multiplier(rt, node, (double)in_q->scales[0] * (double)wi_q->scales[0] / gate_scale, &d->in_mult[g],
                   &d->in_shift[g]) ||
        multiplier(rt, node, (double)hidden_q->scales[0] * (double)wr_q->scales[0] / gate_scale, &d->rec_mult[g],
                   &d->rec_shift[g]))
      return RUNTIME_E_UNSUPPORTED;
  }
  if (rt_elements(hidden) != (uint32_t)(B * S) || rt_elements(cell) != (uint32_t)(B * S))
    return rt_fail(rt, node, RUNTIME_E_MODEL, "LSTM state size mismatch", "");
  if (out->dims[0] != in->dims[0] || out->dims[1] != in->dims[1] || out->dims[2] != S)
    return rt_fail(rt, node, RUNTIME_E_MODEL, "LSTM output shape mismatch", "");
  if (!log2_exact(cell_q->scales[0], &d->cell_power))
    return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "cell state scale is not a power of two", "");
  /* TFLM's inter-gate multiplies: sigmoid/tanh outputs are Q0.15 (2^-15). */
  const double q15 = (double)0.000030517578125f, cs = (double)cell_q->scales[0];
  if (multiplier(rt, node, q15 * cs / cs, &d->forget_cell_mult, &d->forget_cell_shift) ||
      multiplier(rt, node, q15 * q15 / cs, &d->input_mult, &d->input_shift) ||
      multiplier(rt, node, q15 * q15 / (double)hidden_q->scales[0], &d->hidden_mult, &d->hidden_shift))
    return RUNTIME_E_UNSUPPORTED;
  d->hidden_zp = hidden_q->zero_point;
  d->input_offset = -in_q->zero_point;
  d->hidden_offset = -hidden_q->zero_point;
  double clip = (double)cell_clip / cs;
  clip = clip < -32768.0 ? -32768.0 : (clip > 32767.0 ? 32767.0 : clip);
  d->cell_clip = cell_clip > 0.0f ? (int16_t)clip : 0;
  int32_t step_batch = d->time_major ? B : 1;
  return rt_request_scratch(rt, node, 4u * sizeof(int16_t) * (size_t)step_batch * (size_t)S);
}

static void add_sat16(int16_t *a, const int16_t *b, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) a[i] = (int16_t)rt_clamp((int32_t)a[i] + b[i], INT16_MIN, INT16_MAX);
}

static void mul16(const int16_t *a, const int16_t *b, int32_t mult, int32_t shift, int32_t zp, int32_t lo, int32_t hi,
                  uint32_t n, int16_t *out16, int8_t *out8) {
  for (uint32_t i = 0; i < n; i++) {
    int32_t v = rt_clamp(zp + rt_mbqm((int32_t)a[i] * b[i], mult, shift), lo, hi);
    if (out8) out8[i] = (int8_t)v;
    /* Callers pass exactly one of out16 and out8: out16 is set whenever out8 is NULL. */
    /* cppcheck-suppress nullPointer */
    else out16[i] = (int16_t)v; /* NOLINT(clang-analyzer-core.NullDereference): as above */
  }
}

static void gate(rt_interp_t *rt, const rt_node_t *node, const lstm_data_t *d, int g, const int8_t *x,
                 const int8_t *h, int32_t nb, int16_t *out, int16_t *tmp, int act) {
  const int32_t S = d->n_state;
  rt_lstm_fc16(x, d->input_offset, rt_input(rt, node, W_IN + g)->data, rt_input(rt, node, BIAS + g)->data, d->in_mult[g],
       d->in_shift[g], nb, d->n_in, S, out);
  rt_lstm_fc16(h, d->hidden_offset, rt_input(rt, node, W_REC + g)->data, 0, d->rec_mult[g], d->rec_shift[g], nb, S, S, tmp);
  add_sat16(out, tmp, (uint32_t)(nb * S));
  if (act == ACT_SIGMOID) rt_logistic16(0, 0, (uint32_t)(nb * S), out, out);
  else rt_tanh16(0, 0, (uint32_t)(nb * S), out, out); /* Q3.12 in: the power-of-two case, shift 0 */
}

int rt_lstm_eval(rt_interp_t *rt, rt_node_t *node) {
  const lstm_data_t *d = node->data;
  const int8_t *in = rt_input(rt, node, IN)->data;
  int8_t *hidden = rt_input(rt, node, HIDDEN)->data;
  int16_t *cell = rt_input(rt, node, CELL)->data;
  int8_t *out = rt_output(rt, node, 0)->data;
  const int32_t S = d->n_state, nb = d->time_major ? d->batches : 1;
  const uint32_t n = (uint32_t)(nb * S);
  int16_t *buf0 = node->scratch, *buf1 = buf0 + n, *buf2 = buf1 + n, *buf3 = buf2 + n;
  /* tanh of the cell state: its scale 2^p makes the input shift 15 + p - 3 (TFLM's lstm Tanh). */
  int32_t tanh_shift = 15 + d->cell_power - 3, tanh_mult = 0;
  if (tanh_shift < 0) {
    tanh_shift = -tanh_shift;
    tanh_mult = 3;
  }
  const int32_t outer = d->time_major ? 1 : d->batches;
  for (int32_t b = 0; b < outer; b++) {
    int8_t *h = hidden + b * S;
    int16_t *c = cell + b * S;
    for (int32_t t = 0; t < d->steps; t++) {
      size_t step = (size_t)b * (size_t)d->steps + (size_t)t;
      const int8_t *x = in + step * (size_t)(nb * d->n_in);
      gate(rt, node, d, G_FORGET, x, h, nb, buf0, buf3, ACT_SIGMOID);
      gate(rt, node, d, G_INPUT, x, h, nb, buf1, buf3, ACT_SIGMOID);
      gate(rt, node, d, G_CELL, x, h, nb, buf2, buf3, d->cell_act);
      mul16(buf0, c, d->forget_cell_mult, d->forget_cell_shift, 0, INT16_MIN, INT16_MAX, n, c, 0);
      mul16(buf1, buf2, d->input_mult, d->input_shift, 0, INT16_MIN, INT16_MAX, n, buf1, 0);
      add_sat16(c, buf1, n);
      if (d->cell_clip > 0)
        for (uint32_t i = 0; i < n; i++) c[i] = (int16_t)rt_clamp(c[i], -d->cell_clip, d->cell_clip);
      gate(rt, node, d, G_OUTPUT, x, h, nb, buf1, buf3, ACT_SIGMOID);
      rt_tanh16(tanh_mult, tanh_shift, n, c, buf0);
      mul16(buf0, buf1, d->hidden_mult, d->hidden_shift, d->hidden_zp, INT8_MIN, INT8_MAX, n, 0, h);
      memcpy(out + step * (size_t)n, h, n);
    }
  }
  return 0;
}

/* Graph validation (validate.h). It needs memory for a per-tensor mark: it borrows the arena's free tail,
 * which the planner overwrites anyway, so validation costs no persistent bytes. */
#include "validate.h"

#include <string.h>

#include "model.h"

enum { MARK_NONE = 0, MARK_READY = 1, MARK_WRITTEN = 2 };

/* "tensor <i> '<name>'" into buf; long converter names are cut to 24 bytes so the problem still fits
 * the runtime's message. */
static void tensor_label(rt_interp_t *rt, unsigned s, int32_t index, char *buf, size_t cap) {
  char name[25];
  rt_tensor_name(rt, s, index, name, sizeof name);
  size_t p = 0;
  const char *head = "tensor ";
  while (*head && p + 1 < cap) buf[p++] = *head++;
  char digits[11];
  int n = 0;
  uint32_t v = (uint32_t)index;
  do {
    digits[n++] = (char)('0' + v % 10u);
    v /= 10u;
  } while (v);
  while (n && p + 1 < cap) buf[p++] = digits[--n];
  if (name[0]) {
    if (p + 2 < cap) {
      buf[p++] = ' ';
      buf[p++] = '\'';
    }
    for (const char *c = name; *c && p + 2 < cap; c++) buf[p++] = *c;
    if (p + 1 < cap) buf[p++] = '\'';
  }
  buf[p] = 0;
}

static int fail_tensor(rt_interp_t *rt, const rt_node_t *node, unsigned s, int32_t index, const char *what) {
  char label[96];
  tensor_label(rt, s, index, label, sizeof label);
  char msg[112];
  size_t p = 0;
  for (const char *c = label; *c && p + 1 < sizeof msg; c++) msg[p++] = *c;
  for (const char *c = ": "; *c && p + 1 < sizeof msg; c++) msg[p++] = *c;
  msg[p] = 0;
  return rt_fail(rt, node, RUNTIME_E_MODEL, msg, what);
}

static int zero_point_fits(const rt_interp_t *rt, const rt_tensor_t *t) {
  const rt_quant_t *t_q = rt_quant(rt, t);
  if (t->flags & RT_T_ZERO_POINT_RANGE) return 0;
  switch (t->type) {
    case RUNTIME_INT8: return t_q->zero_point >= -128 && t_q->zero_point <= 127;
    case RUNTIME_UINT8: return t_q->zero_point >= 0 && t_q->zero_point <= 255;
    default: /* int16 (any stored value fits); int32 bias and float hold 0 in practice, negated in 32 bits */
      return 1;
  }
}

static int check_tensor(rt_interp_t *rt, unsigned s, int32_t i, const rt_tensor_t *t) {
  const rt_quant_t *t_q = rt_quant(rt, t);
  uint64_t bytes = rt_type_size(t->type);
  for (unsigned d = 0; d < t->rank; d++) {
    bytes *= (uint64_t)(uint32_t)t->dims[d];
    if (bytes > RT_MAX_TENSOR_BYTES) return fail_tensor(rt, 0, s, i, "larger than 256 MB");
  }
  for (uint32_t k = 0; k < t_q->num_scales; k++) {
    float sc = t_q->scales[k];
    /* finite and >= 0; the comparison is false for NaN */
    if (!(sc >= 0.0f && sc <= 3.4028234e38f)) return fail_tensor(rt, 0, s, i, "quantization scale is negative, NaN or infinite");
  }
  if (!zero_point_fits(rt, t)) return fail_tensor(rt, 0, s, i, "zero point out of range for its type");
  return 0;
}

static int available(const rt_tensor_t *t, uint8_t mark) {
  return mark || (t->flags & (RT_T_CONST | RT_T_VARIABLE)) || rt_bytes(t) == 0;
}

static int check_subgraph(rt_interp_t *rt, unsigned s, uint8_t *mark, uint16_t *writer) {
  rt_graph_t g;
  if (rt_graph(rt, s, &g)) return RUNTIME_E_MODEL;
  for (uint32_t i = 0; i < g.n_tensors; i++) {
    int rc = check_tensor(rt, s, (int32_t)i, &g.tensors[i]);
    if (rc) return rc;
    mark[i] = MARK_NONE;
  }
  for (uint32_t k = 0; k < g.n_inputs; k++) mark[g.inputs[k]] = MARK_READY;
  /* Which op writes each tensor, to tell a cycle (read of a later op's output) from a missing producer. */
  for (uint32_t i = 0; i < g.n_tensors; i++) writer[i] = 0xFFFFu;
  for (uint32_t n = 0; n < g.n_nodes; n++) {
    const rt_node_t *node = &g.nodes[n];
    for (uint32_t k = 0; k < node->n_outputs; k++) {
      int32_t o = node->outputs[k];
      if (g.tensors[o].flags & RT_T_CONST) return fail_tensor(rt, node, s, o, "an op output is a constant");
      if (writer[o] != 0xFFFFu) return fail_tensor(rt, node, s, o, "written by two ops");
      writer[o] = (uint16_t)n;
    }
  }
  for (uint32_t n = 0; n < g.n_nodes; n++) {
    const rt_node_t *node = &g.nodes[n];
    for (uint32_t k = 0; k < node->n_inputs; k++) {
      int32_t t = node->inputs[k];
      if (t < 0 || available(&g.tensors[t], mark[t])) continue;
      if (writer[t] != 0xFFFFu)
        return fail_tensor(rt, node, s, t, "read before its producer runs (a cycle)");
      return fail_tensor(rt, node, s, t, "read but never produced");
    }
    for (uint32_t k = 0; k < node->n_outputs; k++) mark[node->outputs[k]] = MARK_WRITTEN;
  }
  for (uint32_t k = 0; k < g.n_outputs; k++) {
    int32_t t = g.outputs[k];
    if (!available(&g.tensors[t], mark[t])) return fail_tensor(rt, 0, s, t, "a subgraph output that no op produces");
  }
  return 0;
}

int rt_validate(rt_interp_t *rt) {
  uint32_t most = 0;
  for (unsigned s = 0; s < rt_subgraph_count(rt); s++) {
    rt_graph_t g;
    if (rt_graph(rt, s, &g)) return RUNTIME_E_MODEL;
    if (g.n_tensors > most) most = g.n_tensors;
  }
  /* Scratch: one mark byte and one writer index per tensor, from the arena's free tail. */
  size_t marks = ((size_t)most + 7u) & ~(size_t)7u;
  uint8_t *mark = rt_scratch_tail(rt, marks + 2u * (size_t)most);
  if (!mark) return RUNTIME_E_ARENA;
  uint16_t *writer = (uint16_t *)(void *)(mark + marks);
  for (unsigned s = 0; s < rt_subgraph_count(rt); s++) {
    int rc = check_subgraph(rt, s, mark, writer);
    if (rc) return rc;
  }
  return 0;
}

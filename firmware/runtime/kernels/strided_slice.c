/* STRIDED_SLICE with constant begin/end/strides, begin/end/shrink-axis masks (no ellipsis or new axes),
 * up to 5-D, any element type: TFLM's StartForAxis/StopForAxis index logic. */
#include <string.h>

#include "kernel.h"

#define SS_DIMS 5

typedef struct {
  int32_t start[SS_DIMS], stop[SS_DIMS], stride[SS_DIMS], in_stride[SS_DIMS];
  uint32_t elem;
} slice_data_t;

static int32_t clampi(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

static int prepare(rt_interp_t *rt, rt_node_t *node) {
  rt_tensor_t *in = rt_input(rt, node, 0), *b = rt_input(rt, node, 1), *e = rt_input(rt, node, 2);
  rt_tensor_t *s = rt_input(rt, node, 3), *out = rt_output(rt, node, 0);
  if (!in || !b || !e || !s || !out) return rt_fail(rt, node, RUNTIME_E_MODEL, "missing tensor", "");
  if (!(b->flags & e->flags & s->flags & RT_T_CONST) || b->type != RUNTIME_INT32 || e->type != RUNTIME_INT32 ||
      s->type != RUNTIME_INT32)
    return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "begin, end and strides must be constant int32", "");
  const int32_t rank = in->rank;
  if (rank > SS_DIMS || rt_elements(b) != (uint32_t)rank || rt_elements(e) != (uint32_t)rank ||
      rt_elements(s) != (uint32_t)rank || out->type != in->type)
    return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "rank above 5 or mismatched index vectors", "");
  int32_t begin_mask = rt_opt_i32(rt, node, 0, 0), end_mask = rt_opt_i32(rt, node, 1, 0);
  int32_t shrink = rt_opt_i32(rt, node, 4, 0);
  if (rt_opt_i32(rt, node, 2, 0) || rt_opt_i32(rt, node, 3, 0) || rt_opt_u8(rt, node, 5, 0))
    return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "ellipsis, new-axis masks and offset", "");
  slice_data_t *d = rt_persistent(rt, node, sizeof *d);
  if (!d) return RUNTIME_E_ARENA;
  node->data = d;
  const int32_t *bv = b->data, *ev = e->data, *sv = s->data;
  int32_t pad = SS_DIMS - rank, stride_acc = 1;
  uint32_t count = 1;
  for (int32_t i = SS_DIMS - 1; i >= 0; i--) {
    int32_t ax = i - pad;
    int32_t size = ax >= 0 ? in->dims[ax] : 1;
    d->in_stride[i] = stride_acc;
    stride_acc *= size;
    if (ax < 0) {
      d->start[i] = 0;
      d->stop[i] = 1;
      d->stride[i] = 1;
      continue;
    }
    int32_t st = sv[ax];
    if (st == 0) return rt_fail(rt, node, RUNTIME_E_MODEL, "zero stride", "");
    int32_t start = bv[ax], stop = ev[ax];
    if (shrink & (1 << ax)) {
      if (start < 0) start += size;
      if (start < 0 || start >= size) return rt_fail(rt, node, RUNTIME_E_MODEL, "shrink index out of range", "");
      stop = start + 1;
      st = 1;
    } else {
      if (begin_mask & (1 << ax)) start = st > 0 ? 0 : size - 1;
      else {
        if (start < 0) start += size;
        start = st > 0 ? clampi(start, 0, size) : clampi(start, -1, size - 1);
      }
      if (end_mask & (1 << ax)) stop = st > 0 ? size : -1;
      else {
        if (stop < 0) stop += size;
        stop = st > 0 ? clampi(stop, 0, size) : clampi(stop, -1, size - 1);
      }
    }
    d->start[i] = start;
    d->stop[i] = stop;
    d->stride[i] = st;
    int32_t n = st > 0 ? (stop > start ? (stop - start + st - 1) / st : 0) : (start > stop ? (start - stop - st - 1) / -st : 0);
    count *= (uint32_t)n;
  }
  d->elem = rt_bytes(in) / (rt_elements(in) ? rt_elements(in) : 1);
  if (count != rt_elements(out)) return rt_fail(rt, node, RUNTIME_E_MODEL, "output shape does not match the slice", "");
  return 0;
}

#define SS_LOOP(i) for (int32_t i = d->start[i##_d]; d->stride[i##_d] > 0 ? i < d->stop[i##_d] : i > d->stop[i##_d]; i += d->stride[i##_d])

static int eval(rt_interp_t *rt, rt_node_t *node) {
  const slice_data_t *d = node->data;
  const uint8_t *in = rt_input(rt, node, 0)->data;
  uint8_t *o = rt_output(rt, node, 0)->data;
  const uint32_t es = d->elem;
  enum { a_d = 0, b_d = 1, c_d = 2, e_d = 3, f_d = 4 };
  SS_LOOP(a) SS_LOOP(b) SS_LOOP(c) SS_LOOP(e) SS_LOOP(f) {
    int32_t idx = a * d->in_stride[0] + b * d->in_stride[1] + c * d->in_stride[2] + e * d->in_stride[3] + f;
    memcpy(o, in + (uint32_t)idx * es, es);
    o += es;
  }
  return 0;
}

RT_DEFINE_KERNEL(STRIDED_SLICE, 45, 0, prepare, eval);

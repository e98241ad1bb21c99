/* STRIDED_SLICE, as TFLM runs it: constant begin/end/strides, begin/end/shrink masks (ellipsis and
 * new-axis masks ignored, as TFLM does), up to 4-D (padded to 5-D here), any element type. */
#include <string.h>

#include "kernel.h"
#include "model.h"

#define SS_DIMS 5

typedef struct {
  int32_t start[SS_DIMS], stop[SS_DIMS], stride[SS_DIMS];
  int32_t in_dims[SS_DIMS];
  uint32_t elem_bytes;
} ss_data_t;

static int32_t clamp(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

/* TFLM's StartForAxis / StopForAxis. */
static int32_t start_for_axis(int32_t begin, int masked, int32_t stride, int32_t size) {
  if (size == 0) return 0;
  int64_t s = begin;
  if (masked) s = stride > 0 ? INT32_MIN : INT32_MAX;
  if (s < 0) s += size;
  return stride > 0 ? clamp((int32_t)(s < INT32_MIN ? INT32_MIN : s), 0, size)
                    : clamp((int32_t)(s < INT32_MIN ? INT32_MIN : s), -1, size - 1);
}

static int32_t stop_for_axis(int32_t end, int masked, int shrink, int32_t stride, int32_t size, int32_t start) {
  if (size == 0) return 0;
  if (shrink) return start + 1;
  int64_t s = end;
  if (masked) s = stride > 0 ? INT32_MAX : INT32_MIN;
  if (s < 0) s += size;
  return stride > 0 ? clamp((int32_t)s, 0, size) : clamp((int32_t)s, -1, size - 1);
}

static int prepare(rt_interp_t *rt, rt_node_t *node) {
  rt_tensor_t *in = rt_input(rt, node, 0), *out = rt_output(rt, node, 0);
  rt_tensor_t *tb = rt_input(rt, node, 1), *te = rt_input(rt, node, 2), *ts = rt_input(rt, node, 3);
  if (node->n_inputs != 4 || !in || !out || !tb || !te || !ts)
    return rt_fail(rt, node, RUNTIME_E_MODEL, "STRIDED_SLICE takes input, begin, end, strides", "");
  if (in->rank > 4) return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "input of more than 4 dims", "");
  if (in->type != out->type || !rt_type_size(in->type))
    return rt_fail(rt, node, RUNTIME_E_MODEL, "input and output types differ", "");
  const rt_tensor_t *idx[3] = {tb, te, ts};
  for (int k = 0; k < 3; k++) {
    if (!(idx[k]->flags & RT_T_CONST))
      return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "non-constant begin, end or strides", "");
    if (idx[k]->type != RUNTIME_INT32 || rt_elements(idx[k]) != in->rank)
      return rt_fail(rt, node, RUNTIME_E_MODEL, "begin, end and strides must be int32 of the input's rank", "");
  }
  int begin_mask = rt_opt_i32(rt, node, 0, 0), end_mask = rt_opt_i32(rt, node, 1, 0);
  int shrink_mask = rt_opt_i32(rt, node, 4, 0);
  ss_data_t *d = rt_persistent(rt, node, sizeof *d);
  if (!d) return RUNTIME_E_ARENA;
  const int32_t *b = tb->data, *e = te->data, *s = ts->data;
  int pad = SS_DIMS - in->rank, out_axis = 0;
  for (int i = 0; i < SS_DIMS; i++) {
    if (i < pad) {
      d->start[i] = 0;
      d->stop[i] = 1;
      d->stride[i] = 1;
      d->in_dims[i] = 1;
      continue;
    }
    int a = i - pad;
    int32_t size = in->dims[a], stride = s[a];
    if (stride == 0) return rt_fail(rt, node, RUNTIME_E_MODEL, "zero stride", "");
    int shrink = (shrink_mask >> a) & 1;
    int32_t st = start_for_axis(b[a], (begin_mask >> a) & 1, stride, size);
    int32_t sp = stop_for_axis(e[a], (end_mask >> a) & 1, shrink, stride, size, st);
    /* ceil((sp - st) / stride), at least 0 */
    int64_t span = (int64_t)sp - st;
    int64_t n = stride > 0 ? (span + stride - 1) / stride : (span + stride + 1) / stride;
    if (span == 0 || (span > 0) != (stride > 0)) n = 0;
    if (shrink) {
      if (n != 1) return rt_fail(rt, node, RUNTIME_E_MODEL, "shrunk axis out of range", "");
    } else {
      if (out_axis >= out->rank || out->dims[out_axis] != n)
        return rt_fail(rt, node, RUNTIME_E_MODEL, "output shape does not match the slice", "");
      out_axis++;
    }
    d->start[i] = st;
    d->stop[i] = sp;
    d->stride[i] = stride;
    d->in_dims[i] = size;
  }
  if (out_axis != out->rank) return rt_fail(rt, node, RUNTIME_E_MODEL, "output shape does not match the slice", "");
  d->elem_bytes = rt_type_size(in->type);
  /* An innermost axis taken whole folds into the axis before it when that one steps by 1: eval then copies
   * one run per row instead of one element per call (the streaming ds_cnn's [1,10,40,1] -> [1,9,40,1]
   * window slice becomes one copy). The same bytes, in the same order. */
  for (int k = 0; k < SS_DIMS - 1; k++) {
    const int32_t n4 = d->in_dims[4];
    if (d->start[4] != 0 || d->stop[4] != n4 || d->stride[4] != 1 || d->stride[3] != 1) break;
    d->start[4] = d->start[3] * n4;
    d->stop[4] = d->stop[3] * n4;
    d->in_dims[4] = d->in_dims[3] * n4;
    for (int i = 3; i > 0; i--) {
      d->start[i] = d->start[i - 1];
      d->stop[i] = d->stop[i - 1];
      d->stride[i] = d->stride[i - 1];
      d->in_dims[i] = d->in_dims[i - 1];
    }
    d->start[0] = 0;
    d->stop[0] = 1;
    d->stride[0] = 1;
    d->in_dims[0] = 1;
  }
  node->data = d;
  return 0;
}

static int done(int32_t i, int32_t stop, int32_t stride) { return stride > 0 ? i >= stop : i <= stop; }

static int eval(rt_interp_t *rt, rt_node_t *node) {
  const ss_data_t *d = node->data;
  const uint8_t *in = rt_input(rt, node, 0)->data;
  uint8_t *out = rt_output(rt, node, 0)->data;
  const uint32_t eb = d->elem_bytes;
  const int32_t *n = d->in_dims;
  for (int32_t i0 = d->start[0]; !done(i0, d->stop[0], d->stride[0]); i0 += d->stride[0])
    for (int32_t i1 = d->start[1]; !done(i1, d->stop[1], d->stride[1]); i1 += d->stride[1])
      for (int32_t i2 = d->start[2]; !done(i2, d->stop[2], d->stride[2]); i2 += d->stride[2])
        for (int32_t i3 = d->start[3]; !done(i3, d->stop[3], d->stride[3]); i3 += d->stride[3]) {
          size_t row = ((((size_t)i0 * (size_t)n[1] + (size_t)i1) * (size_t)n[2] + (size_t)i2) * (size_t)n[3] +
                        (size_t)i3) * (size_t)n[4];
          if (d->stride[4] == 1) {
            size_t len = (size_t)(d->stop[4] - d->start[4]);
            if (d->stop[4] > d->start[4]) {
              memcpy(out, in + (row + (size_t)d->start[4]) * eb, len * eb);
              out += len * eb;
            }
            continue;
          }
          for (int32_t i4 = d->start[4]; !done(i4, d->stop[4], d->stride[4]); i4 += d->stride[4]) {
            memcpy(out, in + (row + (size_t)i4) * eb, eb);
            out += eb;
          }
        }
  return 0;
}

RT_DEFINE_KERNEL(STRIDED_SLICE, 45, 0, prepare, eval);

/* Model verification: walks every table the runtime will use and checks each offset, size, vtable
 * and index before anything reads it, so that a hostile model is refused at open time. */
#include <string.h>

#include "fb.h"
#include "model.h"

uint32_t rt_type_size(uint8_t type) {
  switch (type) {
    case RUNTIME_FLOAT32:
    case RUNTIME_INT32:
    case RUNTIME_RESOURCE:
    case 15: /* UINT32 */
      return 4;
    case RUNTIME_INT64:
    case 10: /* FLOAT64 */
    case 12: /* UINT64 */
      return 8;
    case RUNTIME_INT16:
    case 16: /* UINT16 */
      return 2;
    case RUNTIME_UINT8:
    case RUNTIME_INT8:
    case RUNTIME_BOOL:
      return 1;
    default:
      return 0;
  }
}

int rt_buffer_data(fb_t *fb, const fb_table_t *model, uint32_t index, const uint8_t **data, uint32_t *len) {
  *data = 0;
  *len = 0;
  fb_vec_t buffers = fb_vector(fb, model, RT_MODEL_BUFFERS, 4);
  if (fb->err || index >= buffers.len) return RUNTIME_E_MODEL;
  fb_table_t b = fb_vec_table(fb, buffers, index);
  fb_vec_t d = fb_vector(fb, &b, RT_BUFFER_DATA, 1);
  uint64_t off = fb_u64(fb, &b, RT_BUFFER_OFFSET, 0);
  uint64_t size = fb_u64(fb, &b, RT_BUFFER_SIZE, 0);
  if (fb->err) return RUNTIME_E_MODEL;
  if (d.len) {
    *data = fb->buf + d.pos;
    *len = d.len;
  } else if (off > 1) { /* data stored after the flatbuffer (models over 2 GB use this layout) */
    /* off + size could wrap past 2^64: compare against what is left instead. */
    if (off > fb->size || size > fb->size - off) return RUNTIME_E_MODEL;
    *data = fb->buf + off;
    *len = (uint32_t)size;
  }
  return RUNTIME_OK;
}

static int check_index_vector(fb_t *fb, fb_vec_t v, uint32_t limit, int allow_absent) {
  const int32_t *p = fb_vec_i32(fb, v);
  for (uint32_t i = 0; i < v.len; i++) {
    if (p[i] == -1 && allow_absent) continue;
    if (p[i] < 0 || (uint32_t)p[i] >= limit) return 0;
  }
  return 1;
}

static int check_tensor(fb_t *fb, const fb_table_t *model, const fb_table_t *t, uint32_t n_buffers) {
  fb_vec_t shape = fb_vector(fb, t, RT_TENSOR_SHAPE, 4);
  uint8_t type = fb_u8(fb, t, RT_TENSOR_TYPE, 0);
  uint32_t buffer = fb_u32(fb, t, RT_TENSOR_BUFFER, 0);
  uint32_t name_len;
  (void)fb_string(fb, t, RT_TENSOR_NAME, &name_len);
  if (fb->err || shape.len > RUNTIME_MAX_DIMS || buffer >= n_buffers) return 0;
  const int32_t *dims = fb_vec_i32(fb, shape);
  uint64_t elems = 1;
  for (uint32_t i = 0; i < shape.len; i++) {
    if (dims[i] < 0) return 0;
    elems *= (uint64_t)dims[i];
    if (elems > 0x7FFFFFFFu) return 0;
  }
  fb_table_t q = fb_sub(fb, t, RT_TENSOR_QUANTIZATION);
  if (q.pos) {
    fb_vec_t scale = fb_vector(fb, &q, RT_QUANT_SCALE, 4);
    fb_vec_t zp = fb_vector(fb, &q, RT_QUANT_ZERO_POINT, 8);
    int32_t qdim = fb_i32(fb, &q, RT_QUANT_DIM, 0);
    if (fb->err || scale.len > 0xFFFFu) return 0;
    if (zp.len && zp.len != scale.len) return 0;
    if (scale.len > 1 && (qdim < 0 || (uint32_t)qdim >= shape.len || (uint32_t)dims[qdim] != scale.len)) return 0;
  }
  const uint8_t *data;
  uint32_t len;
  if (rt_buffer_data(fb, model, buffer, &data, &len)) return 0;
  uint32_t es = rt_type_size(type);
  if (len && es && (uint64_t)len != elems * es) return 0;
  return !fb->err;
}

static int check_subgraph(fb_t *fb, const fb_table_t *model, const fb_table_t *sg, uint32_t n_buffers,
                          uint32_t n_opcodes) {
  fb_vec_t tensors = fb_vector(fb, sg, RT_SUBGRAPH_TENSORS, 4);
  if (fb->err || tensors.len > 0x7FFFu) return 0;
  for (uint32_t i = 0; i < tensors.len; i++) {
    fb_table_t t = fb_vec_table(fb, tensors, i);
    if (!check_tensor(fb, model, &t, n_buffers)) return 0;
  }
  fb_vec_t in = fb_vector(fb, sg, RT_SUBGRAPH_INPUTS, 4);
  fb_vec_t out = fb_vector(fb, sg, RT_SUBGRAPH_OUTPUTS, 4);
  fb_vec_t ops = fb_vector(fb, sg, RT_SUBGRAPH_OPERATORS, 4);
  if (fb->err || ops.len > 0x7FFFu) return 0;
  if (!check_index_vector(fb, in, tensors.len, 0) || !check_index_vector(fb, out, tensors.len, 0)) return 0;
  for (uint32_t i = 0; i < ops.len; i++) {
    fb_table_t op = fb_vec_table(fb, ops, i);
    uint32_t opcode = fb_u32(fb, &op, RT_OP_OPCODE_INDEX, 0);
    fb_vec_t oin = fb_vector(fb, &op, RT_OP_INPUTS, 4);
    fb_vec_t oout = fb_vector(fb, &op, RT_OP_OUTPUTS, 4);
    fb_vec_t inter = fb_vector(fb, &op, RT_OP_INTERMEDIATES, 4);
    (void)fb_u8(fb, &op, RT_OP_OPTIONS_TYPE, 0);
    (void)fb_sub(fb, &op, RT_OP_OPTIONS);
    if (fb->err || opcode >= n_opcodes) return 0;
    if (oin.len > 0xFFFFu || oout.len > 0xFFFFu || inter.len > 0xFFFFu) return 0;
    if (!check_index_vector(fb, oin, tensors.len, 1) || !check_index_vector(fb, oout, tensors.len, 0) ||
        !check_index_vector(fb, inter, tensors.len, 0))
      return 0;
  }
  return !fb->err;
}

int runtime_model_open(runtime_model_t *model, const void *data, size_t size) {
  if (!model || !data) return RUNTIME_E_ARG;
  memset(model, 0, sizeof *model);
  if ((uintptr_t)data & 3u) return RUNTIME_E_ARG; /* vectors are read in place */
  if (size < 8 || size > 0x7FFFFFFFu) return RUNTIME_E_MODEL;
  fb_t fb = {(const uint8_t *)data, (uint32_t)size, 0};
  fb_table_t root = fb_root(&fb);
  if (fb.err) return RUNTIME_E_MODEL;
  uint32_t version = fb_u32(&fb, &root, RT_MODEL_VERSION, 0);
  if (fb.err) return RUNTIME_E_MODEL;
  if (version != 3) return RUNTIME_E_UNSUPPORTED;
  fb_vec_t codes = fb_vector(&fb, &root, RT_MODEL_OPERATOR_CODES, 4);
  fb_vec_t subgraphs = fb_vector(&fb, &root, RT_MODEL_SUBGRAPHS, 4);
  fb_vec_t buffers = fb_vector(&fb, &root, RT_MODEL_BUFFERS, 4);
  fb_vec_t metadata = fb_vector(&fb, &root, RT_MODEL_METADATA, 4);
  if (fb.err || subgraphs.len == 0 || subgraphs.len > 255 || buffers.len == 0) return RUNTIME_E_MODEL;
  for (uint32_t i = 0; i < codes.len; i++) {
    fb_table_t c = fb_vec_table(&fb, codes, i);
    uint32_t n;
    (void)fb_u8(&fb, &c, RT_OPCODE_DEPRECATED_BUILTIN, 0);
    (void)fb_i32(&fb, &c, RT_OPCODE_BUILTIN, 0);
    (void)fb_string(&fb, &c, RT_OPCODE_CUSTOM, &n);
  }
  for (uint32_t i = 0; i < buffers.len; i++) {
    const uint8_t *d;
    uint32_t n;
    if (rt_buffer_data(&fb, &root, i, &d, &n)) return RUNTIME_E_MODEL;
  }
  for (uint32_t i = 0; i < metadata.len; i++) {
    fb_table_t m = fb_vec_table(&fb, metadata, i);
    uint32_t n;
    (void)fb_string(&fb, &m, RT_METADATA_NAME, &n);
    if (fb_u32(&fb, &m, RT_METADATA_BUFFER, 0) >= buffers.len) return RUNTIME_E_MODEL;
  }
  if (fb.err) return RUNTIME_E_MODEL;
  for (uint32_t i = 0; i < subgraphs.len; i++) {
    fb_table_t sg = fb_vec_table(&fb, subgraphs, i);
    if (!check_subgraph(&fb, &root, &sg, buffers.len, codes.len)) return RUNTIME_E_MODEL;
  }
  model->data = (const uint8_t *)data;
  model->size = (uint32_t)size;
  model->root = root.pos;
  return RUNTIME_OK;
}

int runtime_model_metadata(const runtime_model_t *model, const char *name, const uint8_t **data, uint32_t *len) {
  if (!model || !model->data || !name || !data || !len) return RUNTIME_E_ARG;
  *data = 0;
  *len = 0;
  fb_t fb = {model->data, model->size, 0};
  fb_table_t root = fb_table_at(&fb, model->root);
  fb_vec_t metadata = fb_vector(&fb, &root, RT_MODEL_METADATA, 4);
  size_t want = strlen(name);
  for (uint32_t i = 0; i < metadata.len && !fb.err; i++) {
    fb_table_t m = fb_vec_table(&fb, metadata, i);
    uint32_t n;
    const char *s = fb_string(&fb, &m, RT_METADATA_NAME, &n);
    if (s && n == want && memcmp(s, name, n) == 0) {
      return rt_buffer_data(&fb, &root, fb_u32(&fb, &m, RT_METADATA_BUFFER, 0), data, len);
    }
  }
  return fb.err ? RUNTIME_E_MODEL : RUNTIME_E_NOT_FOUND;
}

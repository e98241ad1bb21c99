/* Checked flatbuffer access. All position arithmetic is done in 64 bits so that a hostile offset
 * cannot wrap around into the buffer. */
#include "fb.h"

static fb_table_t fail_table(fb_t *fb) {
  fb_table_t t = {0, 0, 0, 0};
  fb->err = 1;
  return t;
}

fb_table_t fb_table_at(fb_t *fb, uint32_t pos) {
  fb_table_t t = {0, 0, 0, 0};
  if (fb->err) return t;
  if (pos == 0 || (pos & 3u) || (uint64_t)pos + 4 > fb->size) return fail_table(fb);
  int32_t soff = (int32_t)fb_rd32(fb, pos);
  int64_t vt = (int64_t)pos - (int64_t)soff;
  if (vt < 0 || (vt & 1) || vt + 4 > (int64_t)fb->size) return fail_table(fb);
  uint16_t vt_size = fb_rd16(fb, (uint32_t)vt);
  uint16_t tbl_size = fb_rd16(fb, (uint32_t)vt + 2);
  if (vt_size < 4 || (vt_size & 1) || vt + vt_size > (int64_t)fb->size) return fail_table(fb);
  if (tbl_size < 4 || (uint64_t)pos + tbl_size > fb->size) return fail_table(fb);
  t.pos = pos;
  t.vt = (uint32_t)vt;
  t.vt_size = vt_size;
  t.tbl_size = tbl_size;
  return t;
}

fb_table_t fb_root(fb_t *fb) {
  if (fb->size < 8) return fail_table(fb);
  return fb_table_at(fb, fb_rd32(fb, 0));
}

uint32_t fb_field(fb_t *fb, const fb_table_t *t, unsigned id, uint32_t fsize) {
  if (fb->err || t->pos == 0) return 0;
  uint32_t voff = 4u + 2u * id;
  if (voff + 2u > t->vt_size) return 0;
  uint16_t off = fb_rd16(fb, t->vt + voff);
  if (off == 0) return 0;
  if (off < 4 || (uint32_t)off + fsize > t->tbl_size) {
    fb->err = 1;
    return 0;
  }
  return t->pos + off;
}

uint8_t fb_u8(fb_t *fb, const fb_table_t *t, unsigned id, uint8_t def) {
  uint32_t p = fb_field(fb, t, id, 1);
  return p ? fb->buf[p] : def;
}

uint32_t fb_u32(fb_t *fb, const fb_table_t *t, unsigned id, uint32_t def) {
  uint32_t p = fb_field(fb, t, id, 4);
  return p ? fb_rd32(fb, p) : def;
}

int32_t fb_i32(fb_t *fb, const fb_table_t *t, unsigned id, int32_t def) {
  return (int32_t)fb_u32(fb, t, id, (uint32_t)def);
}

float fb_f32(fb_t *fb, const fb_table_t *t, unsigned id, float def) {
  uint32_t p = fb_field(fb, t, id, 4);
  if (!p) return def;
  float f;
  memcpy(&f, fb->buf + p, 4);
  return f;
}

uint64_t fb_u64(fb_t *fb, const fb_table_t *t, unsigned id, uint64_t def) {
  uint32_t p = fb_field(fb, t, id, 8);
  if (!p) return def;
  uint64_t v;
  memcpy(&v, fb->buf + p, 8);
  return v;
}

/* Follows the uoffset stored at `p` and returns the target position, checking it lands in the buffer. */
static uint32_t follow(fb_t *fb, uint32_t p) {
  uint64_t target = (uint64_t)p + fb_rd32(fb, p);
  if (target + 4 > fb->size) {
    fb->err = 1;
    return 0;
  }
  return (uint32_t)target;
}

fb_table_t fb_sub(fb_t *fb, const fb_table_t *t, unsigned id) {
  fb_table_t none = {0, 0, 0, 0};
  uint32_t p = fb_field(fb, t, id, 4);
  if (!p) return none;
  uint32_t target = follow(fb, p);
  if (!target) return none;
  return fb_table_at(fb, target);
}

static fb_vec_t vector_at(fb_t *fb, uint32_t vpos, uint32_t elem_size) {
  fb_vec_t v = {0, 0};
  if ((vpos & 3u) || (uint64_t)vpos + 4 > fb->size) {
    fb->err = 1;
    return v;
  }
  uint32_t len = fb_rd32(fb, vpos);
  uint64_t end = (uint64_t)vpos + 4 + (uint64_t)len * elem_size;
  uint32_t align = elem_size >= 4 ? 4u : elem_size;
  if (end > fb->size || ((vpos + 4) & (align - 1u))) {
    fb->err = 1;
    return v;
  }
  v.pos = vpos + 4;
  v.len = len;
  return v;
}

fb_vec_t fb_vector(fb_t *fb, const fb_table_t *t, unsigned id, uint32_t elem_size) {
  fb_vec_t none = {0, 0};
  uint32_t p = fb_field(fb, t, id, 4);
  if (!p) return none;
  uint32_t target = follow(fb, p);
  if (!target) return none;
  return vector_at(fb, target, elem_size);
}

fb_table_t fb_vec_table(fb_t *fb, fb_vec_t v, uint32_t i) {
  if (fb->err || i >= v.len) return fail_table(fb);
  uint32_t target = follow(fb, v.pos + 4u * i);
  if (!target) return fail_table(fb);
  return fb_table_at(fb, target);
}

const char *fb_string(fb_t *fb, const fb_table_t *t, unsigned id, uint32_t *len) {
  *len = 0;
  uint32_t p = fb_field(fb, t, id, 4);
  if (!p) return 0;
  uint32_t target = follow(fb, p);
  if (!target) return 0;
  fb_vec_t v = vector_at(fb, target, 1);
  if (fb->err) return 0;
  /* Flatbuffer strings carry a terminator: demand it, so callers may treat them as C strings. */
  if ((uint64_t)v.pos + v.len >= fb->size || fb->buf[v.pos + v.len] != 0) {
    fb->err = 1;
    return 0;
  }
  *len = v.len;
  return (const char *)(fb->buf + v.pos);
}

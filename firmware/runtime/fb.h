/* A checked flatbuffer reader: every accessor validates offsets, sizes and vtables against the buffer
 * before reading, and records a sticky error instead of reading out of bounds. Callers check
 * `fb->err` after a batch of reads; values read after an error are defaults (0). */
#ifndef HARK_RUNTIME_FB_H
#define HARK_RUNTIME_FB_H

#include <stdint.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the runtime reads flatbuffer vectors in place and needs a little-endian target"
#endif

typedef struct {
  const uint8_t *buf;
  uint32_t size;
  int err;
} fb_t;

typedef struct {
  uint32_t pos; /* 0: absent */
  uint32_t vt;
  uint16_t vt_size;
  uint16_t tbl_size;
} fb_table_t;

typedef struct {
  uint32_t pos; /* first element; 0 with len 0 when absent */
  uint32_t len;
} fb_vec_t;

static inline uint16_t fb_rd16(const fb_t *fb, uint32_t pos) {
  return (uint16_t)(fb->buf[pos] | (fb->buf[pos + 1] << 8));
}
static inline uint32_t fb_rd32(const fb_t *fb, uint32_t pos) {
  uint32_t v;
  memcpy(&v, fb->buf + pos, 4);
  return v;
}

/* Validates the table at `pos` (alignment, vtable in range, table extent in range). */
fb_table_t fb_table_at(fb_t *fb, uint32_t pos);
/* The root table of the buffer. */
fb_table_t fb_root(fb_t *fb);

/* Absolute position of field `id` of `fsize` bytes, or 0 if absent (or on error). */
uint32_t fb_field(fb_t *fb, const fb_table_t *t, unsigned id, uint32_t fsize);

uint8_t fb_u8(fb_t *fb, const fb_table_t *t, unsigned id, uint8_t def);
int32_t fb_i32(fb_t *fb, const fb_table_t *t, unsigned id, int32_t def);
uint32_t fb_u32(fb_t *fb, const fb_table_t *t, unsigned id, uint32_t def);
float fb_f32(fb_t *fb, const fb_table_t *t, unsigned id, float def);
uint64_t fb_u64(fb_t *fb, const fb_table_t *t, unsigned id, uint64_t def);

/* A sub-table field; pos 0 if absent. */
fb_table_t fb_sub(fb_t *fb, const fb_table_t *t, unsigned id);
/* A vector field of `elem_size`-byte elements, aligned to min(elem_size, 4). */
fb_vec_t fb_vector(fb_t *fb, const fb_table_t *t, unsigned id, uint32_t elem_size);
/* Element i of a vector of tables. */
fb_table_t fb_vec_table(fb_t *fb, fb_vec_t v, uint32_t i);
/* A string field: its bytes (NUL-terminated inside the buffer) and length; NULL if absent. */
const char *fb_string(fb_t *fb, const fb_table_t *t, unsigned id, uint32_t *len);

static inline const int32_t *fb_vec_i32(const fb_t *fb, fb_vec_t v) {
  return v.len ? (const int32_t *)(const void *)(fb->buf + v.pos) : (const int32_t *)0;
}

#endif

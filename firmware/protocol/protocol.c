/* Frames (COBS + CRC-32), the incremental parser, and the little-endian field readers/writers. */
#include "protocol.h"

#include <string.h>

const char *hark_err_text(int code) {
  switch (code) {
#define HARK__ERR_CASE(c, NAME, text) \
  case c:                             \
    return text;
    HARK_ERRORS(HARK__ERR_CASE)
#undef HARK__ERR_CASE
    default:
      return "unknown error";
  }
}

/* ---- CRC-32 ---------------------------------------------------------------------------------- */
/* A 16-entry table, one nibble at a time: 64 bytes of flash instead of 1 KB, and fast enough for
 * a serial line. */
static const uint32_t crc_nibble[16] = {
    0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u, 0x4DB26158u, 0x5005713Cu,
    0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu, 0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu,
};

uint32_t hark_crc32_update(uint32_t crc, const uint8_t *data, size_t len) {
  for (size_t i = 0; i < len; i++) {
    crc ^= data[i];
    crc = (crc >> 4) ^ crc_nibble[crc & 0xFu];
    crc = (crc >> 4) ^ crc_nibble[crc & 0xFu];
  }
  return crc;
}

uint32_t hark_crc32_final(uint32_t crc) { return crc ^ 0xFFFFFFFFu; }

uint32_t hark_crc32(const uint8_t *data, size_t len) {
  return hark_crc32_final(hark_crc32_update(HARK_CRC32_INIT, data, len));
}

/* ---- encoder --------------------------------------------------------------------------------- */
typedef struct {
  uint8_t *out;
  size_t cap;
  size_t pos;
  size_t code_pos;
  uint8_t code;
  int overflow;
} cobs_writer_t;

static void cobs_raw(cobs_writer_t *c, uint8_t byte) {
  if (c->pos < c->cap) {
    c->out[c->pos++] = byte;
  } else {
    c->overflow = 1;
  }
}

static void cobs_open_block(cobs_writer_t *c) {
  c->code_pos = c->pos;
  c->code = 1;
  cobs_raw(c, 0); /* placeholder for the block's code byte */
}

static void cobs_close_block(cobs_writer_t *c) {
  if (c->code_pos < c->cap) c->out[c->code_pos] = c->code;
}

static void cobs_byte(cobs_writer_t *c, uint8_t byte) {
  if (byte == 0) {
    cobs_close_block(c);
    cobs_open_block(c);
    return;
  }
  cobs_raw(c, byte);
  if (++c->code == 0xFFu) {
    cobs_close_block(c);
    cobs_open_block(c);
  }
}

static void cobs_bytes(cobs_writer_t *c, const uint8_t *data, size_t len) {
  for (size_t i = 0; i < len; i++) cobs_byte(c, data[i]);
}

size_t hark_frame_encode(uint8_t *out, size_t cap, uint8_t type, uint8_t seq, const uint8_t *payload, uint16_t len) {
  if (len > HARK_PROTO_MAX_PAYLOAD || (len && !payload)) return 0;
  const uint8_t header[HARK_PROTO_HEADER_SIZE] = {HARK_PROTO_VERSION, type, seq, (uint8_t)(len & 0xFFu),
                                                  (uint8_t)(len >> 8)};
  uint32_t crc = hark_crc32_update(HARK_CRC32_INIT, header, sizeof header);
  crc = hark_crc32_final(hark_crc32_update(crc, payload, len));
  const uint8_t trailer[HARK_PROTO_CRC_SIZE] = {(uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16),
                                                (uint8_t)(crc >> 24)};

  cobs_writer_t c = {out, cap, 0, 0, 0, 0};
  cobs_raw(&c, HARK_PROTO_DELIMITER);
  cobs_open_block(&c);
  cobs_bytes(&c, header, sizeof header);
  cobs_bytes(&c, payload, len);
  cobs_bytes(&c, trailer, sizeof trailer);
  cobs_close_block(&c);
  cobs_raw(&c, HARK_PROTO_DELIMITER);
  return c.overflow ? 0 : c.pos;
}

/* ---- parser ---------------------------------------------------------------------------------- */
static void parser_restart(hark_parser_t *p) {
  p->len = 0;
  p->expect = 0;
  p->block_left = 0;
  p->zero_pending = 0;
  p->in_frame = 0;
  p->discarding = 0;
}

void hark_parser_init(hark_parser_t *p) {
  memset(p, 0, sizeof *p);
  parser_restart(p);
}

static int parser_fail(hark_parser_t *p, int code) {
  p->discarding = 1;
  p->stats.errors++;
  return code;
}

static uint32_t get_le32(const uint8_t *b) {
  return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}

/* Appends one decoded byte and checks the header as soon as it is complete, so a bad version or an
 * oversized length is refused before any payload is waited for. */
static int parser_store(hark_parser_t *p, uint8_t byte) {
  if (p->len >= (p->expect ? p->expect : HARK_PROTO_MAX_FRAME)) return parser_fail(p, HARK_ERR_FRAME_LENGTH);
  p->buf[p->len++] = byte;
  if (p->len == HARK_PROTO_HEADER_SIZE) {
    if (p->buf[0] != HARK_PROTO_VERSION) return parser_fail(p, HARK_ERR_FRAME_VERSION);
    uint16_t declared = (uint16_t)(p->buf[3] | (p->buf[4] << 8));
    if (declared > HARK_PROTO_MAX_PAYLOAD) return parser_fail(p, HARK_ERR_FRAME_OVERSIZE);
    p->expect = (uint16_t)(HARK_PROTO_HEADER_SIZE + declared + HARK_PROTO_CRC_SIZE);
  }
  return HARK_PARSE_NONE;
}

static int parser_end(hark_parser_t *p, hark_frame_t *frame) {
  /* A block that promised more bytes than arrived, or a short frame, is a torn frame. */
  if (p->block_left) return HARK_ERR_FRAME_STUFFING;
  if (p->len < HARK_PROTO_HEADER_SIZE + HARK_PROTO_CRC_SIZE) return HARK_ERR_FRAME_SHORT;
  if (p->len != p->expect) return HARK_ERR_FRAME_LENGTH;
  uint16_t body = (uint16_t)(p->len - HARK_PROTO_CRC_SIZE);
  if (hark_crc32(p->buf, body) != get_le32(p->buf + body)) return HARK_ERR_FRAME_CRC;
  frame->type = p->buf[1];
  frame->seq = p->buf[2];
  frame->len = (uint16_t)(body - HARK_PROTO_HEADER_SIZE);
  frame->payload = p->buf + HARK_PROTO_HEADER_SIZE;
  return HARK_PARSE_FRAME;
}

int hark_parser_push(hark_parser_t *p, uint8_t byte, hark_frame_t *frame) {
  p->stats.bytes++;
  if (byte == HARK_PROTO_DELIMITER) {
    int result = HARK_PARSE_NONE;
    if (p->in_frame && !p->discarding) {
      result = parser_end(p, frame);
      if (result == HARK_PARSE_FRAME) {
        p->stats.frames++;
      } else {
        p->stats.errors++;
      }
    }
    parser_restart(p);
    return result;
  }
  if (p->discarding) return HARK_PARSE_NONE;
  p->in_frame = 1;
  if (p->block_left == 0) {
    /* A code byte: the previous block's encoded zero (if any) comes first. */
    if (p->zero_pending) {
      int rc = parser_store(p, 0);
      if (rc != HARK_PARSE_NONE) return rc;
    }
    p->block_left = (uint8_t)(byte - 1u);
    p->zero_pending = byte != 0xFFu;
    return HARK_PARSE_NONE;
  }
  p->block_left--;
  return parser_store(p, byte);
}

/* ---- fields ---------------------------------------------------------------------------------- */
hark_s8_t hark_s8(const char *text) {
  size_t n = text ? strlen(text) : 0;
  return (hark_s8_t){(const uint8_t *)text, (uint8_t)(n > 255u ? 255u : n)};
}

hark_tail_t hark_tail_str(const char *text) {
  size_t n = text ? strlen(text) : 0;
  return (hark_tail_t){(const uint8_t *)text, (uint16_t)(n > HARK_PROTO_MAX_PAYLOAD ? HARK_PROTO_MAX_PAYLOAD : n)};
}

static void put_bytes(hark_writer_t *w, const uint8_t *data, size_t n) {
  if (w->overflow || n > (size_t)(w->cap - w->len)) {
    w->overflow = 1;
    return;
  }
  if (n) memcpy(w->buf + w->len, data, n);
  w->len = (uint16_t)(w->len + n);
}

void hark_put_u8(hark_writer_t *w, uint8_t v) { put_bytes(w, &v, 1); }

void hark_put_u16(hark_writer_t *w, uint16_t v) {
  const uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
  put_bytes(w, b, 2);
}

void hark_put_u32(hark_writer_t *w, uint32_t v) {
  const uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
  put_bytes(w, b, 4);
}

void hark_put_i8(hark_writer_t *w, int8_t v) { hark_put_u8(w, (uint8_t)v); }
void hark_put_i16(hark_writer_t *w, int16_t v) { hark_put_u16(w, (uint16_t)v); }
void hark_put_i32(hark_writer_t *w, int32_t v) { hark_put_u32(w, (uint32_t)v); }

void hark_put_f32(hark_writer_t *w, float v) {
  uint32_t bits;
  memcpy(&bits, &v, 4);
  hark_put_u32(w, bits);
}

void hark_put_s8(hark_writer_t *w, hark_s8_t v) {
  hark_put_u8(w, v.len);
  put_bytes(w, v.ptr, v.len);
}

void hark_put_tail(hark_writer_t *w, hark_tail_t v) { put_bytes(w, v.ptr, v.len); }

static const uint8_t *get_bytes(hark_reader_t *r, uint16_t n) {
  if (r->error || n > r->len - r->pos) {
    r->error = 1;
    return NULL;
  }
  const uint8_t *p = r->buf + r->pos;
  r->pos = (uint16_t)(r->pos + n);
  return p;
}

uint8_t hark_get_u8(hark_reader_t *r) {
  const uint8_t *b = get_bytes(r, 1);
  return b ? b[0] : 0;
}

uint16_t hark_get_u16(hark_reader_t *r) {
  const uint8_t *b = get_bytes(r, 2);
  return b ? (uint16_t)(b[0] | (b[1] << 8)) : 0;
}

uint32_t hark_get_u32(hark_reader_t *r) {
  const uint8_t *b = get_bytes(r, 4);
  return b ? get_le32(b) : 0;
}

int8_t hark_get_i8(hark_reader_t *r) { return (int8_t)hark_get_u8(r); }
int16_t hark_get_i16(hark_reader_t *r) { return (int16_t)hark_get_u16(r); }
int32_t hark_get_i32(hark_reader_t *r) { return (int32_t)hark_get_u32(r); }

float hark_get_f32(hark_reader_t *r) {
  uint32_t bits = hark_get_u32(r);
  float v;
  memcpy(&v, &bits, 4);
  return v;
}

hark_s8_t hark_get_s8(hark_reader_t *r) {
  uint8_t n = hark_get_u8(r);
  const uint8_t *b = get_bytes(r, n);
  return (hark_s8_t){b, b ? n : 0};
}

hark_tail_t hark_get_tail(hark_reader_t *r, uint16_t elem_size) {
  uint16_t n = r->error ? 0 : (uint16_t)(r->len - r->pos);
  if (elem_size == 0 || n % elem_size) {
    r->error = 1;
    return (hark_tail_t){NULL, 0};
  }
  const uint8_t *b = get_bytes(r, n);
  return (hark_tail_t){b, b ? n : 0};
}

/* ---- packed audio ---------------------------------------------------------------------------- */
int hark_audio_unpack(const uint8_t *bits, uint16_t nbytes, uint8_t order, uint8_t rice_k, int16_t *out,
                      uint16_t count) {
  if (order > HARK_PROTO_PACKED_MAX_ORDER || rice_k > HARK_PROTO_PACKED_MAX_RICE_K || count > HARK_PROTO_MAX_PACKED_SAMPLES ||
      (nbytes && !bits) || (count && !out))
    return -1;
  const uint32_t total_bits = (uint32_t)nbytes * 8u;
  /* A zigzag value above this cannot come from int16 samples through an order-2 predictor. */
  const uint32_t max_value = 4u * 65536u;
  uint32_t pos = 0;
  int32_t acc[HARK_PROTO_PACKED_MAX_ORDER] = {0, 0}; /* running sums that undo the differences */
  for (uint16_t n = 0; n < count; n++) {
    uint32_t q = 0;
    for (;;) {
      if (pos >= total_bits) return -1;
      uint32_t bit = (bits[pos >> 3] >> (7u - (pos & 7u))) & 1u;
      pos++;
      if (bit) break;
      if (++q > (max_value >> rice_k)) return -1;
    }
    if (total_bits - pos < rice_k) return -1;
    uint32_t r = 0;
    for (uint8_t j = 0; j < rice_k; j++, pos++) r = (r << 1) | ((bits[pos >> 3] >> (7u - (pos & 7u))) & 1u);
    uint32_t z = (q << rice_k) | r;
    if (z > max_value) return -1;
    int32_t v = (z & 1u) ? -(int32_t)((z + 1u) >> 1) : (int32_t)(z >> 1);
    for (uint8_t o = 0; o < order; o++) {
      acc[o] += v;
      v = acc[o];
      if (v < -4 * 32768 || v > 4 * 32767) return -1; /* keeps the sums bounded on hostile input */
    }
    if (v < INT16_MIN || v > INT16_MAX) return -1;
    out[n] = (int16_t)v;
  }
  return 0;
}

/* Unit tests of the frame layer against fixed vectors: the CRC check value, COBS edge cases, and
 * one error per kind of broken frame. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"

static int failures;
#define CHECK(cond)                                                 \
  do {                                                              \
    if (!(cond)) {                                                  \
      fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
      failures++;                                                   \
    }                                                               \
  } while (0)

typedef struct {
  int frames;
  int errors[32];
  hark_frame_t last;
  uint8_t last_payload[HARK_PROTO_MAX_PAYLOAD];
} sink_t;

static void feed(hark_parser_t *p, sink_t *s, const uint8_t *data, size_t n) {
  for (size_t i = 0; i < n; i++) {
    hark_frame_t f;
    int rc = hark_parser_push(p, data[i], &f);
    if (rc == HARK_PARSE_FRAME) {
      s->frames++;
      s->last = f;
      memcpy(s->last_payload, f.payload, f.len);
    } else if (rc > 0 && rc < 32) {
      s->errors[rc]++;
    }
  }
}

static void test_crc(void) {
  const uint8_t check[] = "123456789";
  CHECK(hark_crc32(check, 9) == 0xCBF43926u); /* the CRC-32/ISO-HDLC check value */
  uint32_t c = hark_crc32_update(HARK_CRC32_INIT, check, 4);
  CHECK(hark_crc32_final(hark_crc32_update(c, check + 4, 5)) == 0xCBF43926u);
}

static void test_round_trip(size_t len, uint8_t fill_mode) {
  static uint8_t payload[HARK_PROTO_MAX_PAYLOAD];
  for (size_t i = 0; i < len; i++) payload[i] = fill_mode == 0 ? 0 : fill_mode == 1 ? 0xFF : (uint8_t)(i * 7u);
  static uint8_t enc[HARK_PROTO_MAX_ENCODED];
  size_t n = hark_frame_encode(enc, sizeof enc, 0x42, 9, payload, (uint16_t)len);
  CHECK(n > 0 && n <= HARK_PROTO_MAX_ENCODED);
  CHECK(enc[0] == 0 && enc[n - 1] == 0);
  for (size_t i = 1; i + 1 < n; i++) CHECK(enc[i] != 0);
  hark_parser_t p;
  hark_parser_init(&p);
  sink_t s = {0};
  feed(&p, &s, enc, n);
  CHECK(s.frames == 1);
  CHECK(s.last.type == 0x42 && s.last.seq == 9 && s.last.len == len);
  CHECK(memcmp(s.last_payload, payload, len) == 0);
}

static void test_errors(void) {
  uint8_t payload[300];
  for (size_t i = 0; i < sizeof payload; i++) payload[i] = (uint8_t)(i + 1);
  uint8_t enc[HARK_PROTO_MAX_ENCODED];
  size_t n = hark_frame_encode(enc, sizeof enc, 1, 1, payload, sizeof payload);
  hark_parser_t p;
  hark_parser_init(&p);

  /* wrong CRC: one payload byte changed (kept non-zero so the stuffing stays valid) */
  sink_t s = {0};
  enc[20] ^= 0x01;
  if (enc[20] == 0) enc[20] = 0x80;
  feed(&p, &s, enc, n);
  CHECK(s.frames == 0 && s.errors[HARK_ERR_FRAME_CRC] == 1);
  n = hark_frame_encode(enc, sizeof enc, 1, 1, payload, sizeof payload);

  /* torn: the first half, then a whole frame, whose leading delimiter ends the torn one */
  memset(&s, 0, sizeof s);
  feed(&p, &s, enc, n / 2);
  feed(&p, &s, enc, n);
  CHECK(s.frames == 1 && s.errors[HARK_ERR_FRAME_STUFFING] + s.errors[HARK_ERR_FRAME_LENGTH] == 1);

  /* oversized: refused as soon as the header is complete, long before a payload could arrive */
  uint8_t hdr[] = {0, 6, HARK_PROTO_VERSION, 1, 1, (HARK_PROTO_MAX_PAYLOAD + 1) & 0xFF,
                   (HARK_PROTO_MAX_PAYLOAD + 1) >> 8};
  memset(&s, 0, sizeof s);
  feed(&p, &s, hdr, sizeof hdr);
  CHECK(s.errors[HARK_ERR_FRAME_OVERSIZE] == 1);
  for (int i = 0; i < 5000; i++) feed(&p, &s, (const uint8_t *)"\x55", 1); /* its "payload": ignored */
  feed(&p, &s, enc, n);
  CHECK(s.frames == 1 && p.stats.errors == 3);

  /* wrong version, refused at the header */
  uint8_t ver[] = {0, 6, HARK_PROTO_VERSION + 1, 1, 1, 1, 1, 0};
  memset(&s, 0, sizeof s);
  feed(&p, &s, ver, sizeof ver);
  CHECK(s.errors[HARK_ERR_FRAME_VERSION] == 1);

  /* short: a few stray bytes between delimiters */
  memset(&s, 0, sizeof s);
  feed(&p, &s, (const uint8_t *)"\0\x03xy\0", 5);
  CHECK(s.errors[HARK_ERR_FRAME_SHORT] == 1);

  /* a header declaring fewer bytes than arrive */
  uint8_t small[8];
  size_t m = hark_frame_encode(enc, sizeof enc, 1, 1, small, 0);
  memset(&s, 0, sizeof s);
  feed(&p, &s, enc, m - 1);            /* drop the trailing delimiter... */
  feed(&p, &s, (const uint8_t *)"\x05", 1); /* ...and append a byte */
  feed(&p, &s, (const uint8_t *)"\0", 1);
  CHECK(s.frames == 0 && s.errors[HARK_ERR_FRAME_LENGTH] == 1);

  /* idle delimiters are not frames and not errors */
  memset(&s, 0, sizeof s);
  feed(&p, &s, (const uint8_t *)"\0\0\0\0", 4);
  CHECK(s.frames == 0 && p.stats.errors == 6);
}

static void test_encode_limits(void) {
  uint8_t enc[HARK_PROTO_MAX_ENCODED];
  static uint8_t payload[HARK_PROTO_MAX_PAYLOAD + 1];
  CHECK(hark_frame_encode(enc, sizeof enc, 1, 1, payload, HARK_PROTO_MAX_PAYLOAD + 1) == 0);
  CHECK(hark_frame_encode(enc, 20, 1, 1, payload, 100) == 0);
}

static void test_messages(void) {
  uint8_t buf[HARK_PROTO_MAX_PAYLOAD];
  const int16_t samples[3] = {-1, 2, -32768};
  hark_msg_AUDIO_CHUNK_t a = {.first_sample = 640, .samples = {(const uint8_t *)samples, sizeof samples}};
  int32_t n = hark_pack_AUDIO_CHUNK(buf, sizeof buf, &a);
  CHECK(n == 10);
  CHECK(buf[0] == 0x80 && buf[1] == 0x02 && buf[4] == 0xFF && buf[5] == 0xFF && buf[9] == 0x80);
  hark_msg_AUDIO_CHUNK_t b;
  CHECK(hark_unpack_AUDIO_CHUNK(buf, (uint16_t)n, &b) == 0);
  CHECK(b.first_sample == 640 && b.samples.len == 6);
  CHECK(hark_unpack_AUDIO_CHUNK(buf, (uint16_t)(n - 1), &b) == -1); /* half a sample */
  CHECK(hark_unpack_AUDIO_CHUNK(buf, 3, &b) == -1);                /* short fixed part */

  hark_msg_PARAM_GET_t g;
  CHECK(hark_unpack_PARAM_GET(buf, 3, &g) == -1); /* trailing byte */
  CHECK(hark_unpack_PARAM_GET(buf, 2, &g) == 0 && g.param == 0x0280);

  hark_msg_HELLO_t h = {.protocol = HARK_PROTO_VERSION, .firmware = hark_s8("0.1.0")};
  n = hark_pack_HELLO(buf, sizeof buf, &h);
  CHECK(n == 7 && buf[1] == 5 && memcmp(buf + 2, "0.1.0", 5) == 0);
  CHECK(hark_pack_HELLO(buf, 6, &h) == -1);
  hark_msg_HELLO_t h2;
  CHECK(hark_unpack_HELLO(buf, 7, &h2) == 0 && h2.firmware.len == 5);
  buf[1] = 9; /* string longer than the payload */
  CHECK(hark_unpack_HELLO(buf, 7, &h2) == -1);
  CHECK(strcmp(hark_err_text(HARK_ERR_FRAME_CRC), "frame CRC mismatch") == 0);
  CHECK(strcmp(hark_err_text(999), "unknown error") == 0);
}

static void test_audio_unpack(void) {
  int16_t out[4];
  /* order 0, k 2: 0 -1 1 5 -> zigzag 0 1 2 10 -> 1.00 1.01 1.10 001.10 */
  const uint8_t a[] = {0x97, 0x18};
  CHECK(hark_audio_unpack(a, 2, 0, 2, out, 4) == 0);
  CHECK(out[0] == 0 && out[1] == -1 && out[2] == 1 && out[3] == 5);
  CHECK(hark_audio_unpack(a, 1, 0, 2, out, 4) == -1); /* bits run out */
  /* order 2, k 1: 3 5 4 -> differences 3 2 -1 -> 3 -1 -3 -> zigzag 6 1 5 -> 0001.0 1.1 001.1 */
  const uint8_t b[] = {0x16, 0x60};
  CHECK(hark_audio_unpack(b, 2, 2, 1, out, 3) == 0);
  CHECK(out[0] == 3 && out[1] == 5 && out[2] == 4);
  CHECK(hark_audio_unpack(b, 2, 3, 1, out, 3) == -1); /* order out of range */
  CHECK(hark_audio_unpack(b, 2, 2, 21, out, 3) == -1);
  /* a value outside int16: order 0, zigzag 65536 (= +32768) with k 16: 01 then 16 zero bits */
  const uint8_t c[] = {0x40, 0x00, 0x00};
  CHECK(hark_audio_unpack(c, 3, 0, 16, out, 1) == -1);
  CHECK(hark_audio_unpack(NULL, 0, 0, 0, out, 0) == 0);
}

int main(void) {
  test_crc();
  test_audio_unpack();
  size_t lens[] = {0, 1, 253, 254, 255, 508, 509, HARK_PROTO_MAX_PAYLOAD};
  for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++)
    for (uint8_t mode = 0; mode < 3; mode++) test_round_trip(lens[i], mode);
  test_errors();
  test_encode_limits();
  test_messages();
  if (failures) {
    fprintf(stderr, "protocol_test: %d failures\n", failures);
    return 1;
  }
  printf("protocol_test: ok\n");
  return 0;
}

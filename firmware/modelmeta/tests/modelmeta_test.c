/* Unit and fuzz tests of the metadata reader. Run under ASan/UBSan: any out-of-bounds read fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modelmeta.h"

static int failures;
#define CHECK(cond)                                               \
  do {                                                            \
    if (!(cond)) {                                                \
      fprintf(stderr, "%s:%d: CHECK(%s)\n", __FILE__, __LINE__, #cond); \
      failures++;                                                 \
    }                                                             \
  } while (0)

typedef struct {
  uint8_t buf[512];
  uint32_t len;
  uint16_t count;
} builder_t;

static void put(builder_t *b, const void *p, uint32_t n) {
  memcpy(b->buf + b->len, p, n);
  b->len += n;
}

static void begin(builder_t *b) {
  b->len = 0;
  b->count = 0;
  put(b, "HRK1\x01\x00\x00\x00", 8);
}

static void entry(builder_t *b, const char *key, char type, const void *value, uint16_t n) {
  uint8_t kl = (uint8_t)strlen(key);
  put(b, &kl, 1);
  put(b, key, kl);
  uint8_t hdr[3] = {(uint8_t)type, (uint8_t)(n & 0xFF), (uint8_t)(n >> 8)};
  put(b, hdr, 3);
  put(b, value, n);
  b->count++;
  b->buf[6] = (uint8_t)(b->count & 0xFF);
  b->buf[7] = (uint8_t)(b->count >> 8);
}

static void build_valid(builder_t *b) {
  begin(b);
  int32_t i = -1234567;
  float f = 0.025f;
  uint8_t arr[8] = {3, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF};
  entry(b, "spec.name", 's', "micro_speech", 12);
  entry(b, "frontend.num_channels", 'i', &i, 4);
  entry(b, "frontend.even_smoothing", 'f', &f, 4);
  entry(b, "labels", 's', "_silence_,_unknown_,yes,no", 26);
  entry(b, "stream.state_inputs", 'a', arr, 8);
}

static void test_lookups(void) {
  builder_t b;
  build_valid(&b);
  hark_meta_t m;
  CHECK(hark_meta_open(&m, b.buf, b.len) == HARK_META_OK);
  CHECK(m.count == 5);
  int32_t i = 0;
  CHECK(hark_meta_i32(&m, "frontend.num_channels", &i) == HARK_META_OK && i == -1234567);
  float f = 0;
  CHECK(hark_meta_f32(&m, "frontend.even_smoothing", &f) == HARK_META_OK && f == 0.025f);
  const char *s;
  uint32_t n;
  CHECK(hark_meta_str(&m, "spec.name", &s, &n) == HARK_META_OK && n == 12 && memcmp(s, "micro_speech", 12) == 0);
  CHECK(hark_meta_i32(&m, "spec.name", &i) == HARK_META_ETYPE);
  CHECK(hark_meta_i32(&m, "frontend", &i) == HARK_META_ENOTFOUND); /* a prefix is not a match */
  CHECK(hark_meta_i32(&m, "missing.key", &i) == HARK_META_ENOTFOUND);
  const uint8_t *raw;
  CHECK(hark_meta_i32_array(&m, "stream.state_inputs", &raw, &n) == HARK_META_OK && n == 2);
  CHECK(hark_meta_array_at(raw, 0) == 3 && hark_meta_array_at(raw, 1) == -2);

  CHECK(hark_meta_str(&m, "labels", &s, &n) == HARK_META_OK);
  const char *item;
  CHECK(hark_meta_list_item(s, n, 0, &item) == 9 && memcmp(item, "_silence_", 9) == 0);
  CHECK(hark_meta_list_item(s, n, 3, &item) == 2 && memcmp(item, "no", 2) == 0);
  CHECK(hark_meta_list_item(s, n, 4, &item) == -1);
}

static void test_bad_headers(void) {
  builder_t b;
  build_valid(&b);
  hark_meta_t m;
  CHECK(hark_meta_open(&m, NULL, 0) == HARK_META_ECORRUPT);
  CHECK(hark_meta_open(&m, b.buf, 7) == HARK_META_ECORRUPT);
  b.buf[4] = 2;
  CHECK(hark_meta_open(&m, b.buf, b.len) == HARK_META_EVERSION);
  b.buf[4] = 1;
  b.buf[0] = 'X';
  CHECK(hark_meta_open(&m, b.buf, b.len) == HARK_META_ECORRUPT);
  b.buf[0] = 'H';
  /* A count larger than the entries present must not read past the end. */
  b.buf[6] = 6;
  CHECK(hark_meta_open(&m, b.buf, b.len) == HARK_META_ECORRUPT);
  b.buf[6] = 5;
  /* Every truncation of a valid blob is refused. */
  for (uint32_t cut = 0; cut < b.len; cut++) {
    uint8_t *copy = malloc(cut ? cut : 1); /* exact-size heap copy so ASan sees any overread */
    memcpy(copy, b.buf, cut);
    CHECK(hark_meta_open(&m, copy, cut) != HARK_META_OK);
    free(copy);
  }
}

static void test_fuzz(void) {
  builder_t b;
  build_valid(&b);
  uint32_t seed = 12345u;
  for (int iter = 0; iter < 200000; iter++) {
    uint32_t len = b.len;
    uint8_t *copy = malloc(len);
    memcpy(copy, b.buf, len);
    int flips = 1 + iter % 4;
    for (int k = 0; k < flips; k++) {
      seed = seed * 1664525u + 1013904223u;
      copy[8 + (seed >> 8) % (len - 8)] ^= (uint8_t)(1u << ((seed >> 4) & 7u));
    }
    seed = seed * 1664525u + 1013904223u;
    uint32_t cut = (iter % 3 == 0) ? (seed >> 8) % (len + 1) : len;
    hark_meta_t m;
    if (hark_meta_open(&m, copy, cut) == HARK_META_OK) {
      int32_t i;
      float f;
      const char *s;
      uint32_t n;
      const uint8_t *raw;
      (void)hark_meta_i32(&m, "frontend.num_channels", &i);
      (void)hark_meta_f32(&m, "frontend.even_smoothing", &f);
      if (hark_meta_str(&m, "labels", &s, &n) == HARK_META_OK) {
        const char *item;
        for (uint32_t k = 0; k < 6; k++) (void)hark_meta_list_item(s, n, k, &item);
      }
      if (hark_meta_i32_array(&m, "stream.state_inputs", &raw, &n) == HARK_META_OK) {
        for (uint32_t k = 0; k < n; k++) (void)hark_meta_array_at(raw, k);
      }
    }
    free(copy);
  }
}

int main(void) {
  test_lookups();
  test_bad_headers();
  test_fuzz();
  CHECK(strcmp(hark_meta_strerror(HARK_META_ECORRUPT), "metadata blob is corrupt or truncated") == 0);
  if (failures) {
    fprintf(stderr, "modelmeta_test: %d failures\n", failures);
    return 1;
  }
  printf("modelmeta_test: all passed\n");
  return 0;
}

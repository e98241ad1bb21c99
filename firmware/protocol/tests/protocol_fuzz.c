/* Fuzz test of the device-side parser and payload readers (host build, run under ASan/UBSan).
 *
 * Each round builds a stream of valid frames mixed with garbage (zeros included), torn frames,
 * frames with a wrong CRC, oversized headers and wrong versions. The oracle is independent of the
 * parser: split the stream at delimiters; every non-empty piece that is not one of the valid frames
 * must give exactly one error, and the valid frames must come out intact and in order.
 * HARK_FUZZ_ROUNDS and HARK_FUZZ_SEED override the defaults. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t)(rng_state >> 16);
}

static uint32_t rnd_below(uint32_t n) { return n ? rnd() % n : 0; }

#define STREAM_MAX (64u * HARK_PROTO_MAX_ENCODED)
#define FRAMES_MAX 64u

typedef struct {
  uint8_t type, seq;
  uint16_t len;
  uint8_t payload[HARK_PROTO_MAX_PAYLOAD];
} frame_copy_t;

static uint8_t stream[STREAM_MAX];
static size_t stream_len;
static frame_copy_t sent[FRAMES_MAX];
static size_t sent_count;
/* Where each valid frame's encoding sits, so the oracle can recognise it. */
static size_t sent_start[FRAMES_MAX], sent_end[FRAMES_MAX];

static void append(const uint8_t *data, size_t n) {
  for (size_t i = 0; i < n && stream_len < STREAM_MAX; i++) stream[stream_len++] = data[i];
}

static size_t random_frame(uint8_t *enc, frame_copy_t *f) {
  f->type = (uint8_t)rnd();
  f->seq = (uint8_t)rnd();
  uint32_t pick = rnd_below(4);
  f->len = (uint16_t)(pick == 0 ? 0 : pick == 1 ? rnd_below(16) : pick == 2 ? rnd_below(600) : HARK_PROTO_MAX_PAYLOAD - rnd_below(3));
  uint32_t zero_rate = rnd_below(4); /* from no zeros to mostly zeros: exercises every COBS block shape */
  for (uint16_t i = 0; i < f->len; i++) f->payload[i] = rnd_below(4) < zero_rate ? 0 : (uint8_t)(1 + rnd_below(255));
  return hark_frame_encode(enc, HARK_PROTO_MAX_ENCODED, f->type, f->seq, f->payload, f->len);
}

static void build_stream(void) {
  static uint8_t enc[HARK_PROTO_MAX_ENCODED];
  static frame_copy_t scratch;
  stream_len = 0;
  sent_count = 0;
  uint32_t items = 1 + rnd_below(40);
  for (uint32_t it = 0; it < items && stream_len + 2 * HARK_PROTO_MAX_ENCODED < STREAM_MAX; it++) {
    uint32_t kind = rnd_below(7);
    if (getenv("HARK_FUZZ_TRACE")) fprintf(stderr, "item %u kind %u at %zu\n", it, kind, stream_len);
    switch (kind) {
      case 0:
      case 1: { /* a valid frame */
        if (sent_count == FRAMES_MAX) break;
        size_t n = random_frame(enc, &sent[sent_count]);
        sent_start[sent_count] = stream_len;
        append(enc, n);
        sent_end[sent_count] = stream_len;
        sent_count++;
        break;
      }
      case 2: { /* garbage, zeros included */
        uint32_t n = rnd_below(300);
        for (uint32_t i = 0; i < n; i++) {
          uint8_t b = (uint8_t)(rnd_below(8) == 0 ? 0 : rnd());
          append(&b, 1);
        }
        break;
      }
      case 3: { /* a torn frame: a prefix without its trailing delimiter */
        size_t n = random_frame(enc, &scratch);
        append(enc, 1 + rnd_below((uint32_t)(n - 2))); /* at least the last body byte is lost */
        break;
      }
      case 4: { /* a wrong CRC or a flipped byte: stays a non-zero byte, so only the checks can tell */
        size_t n = random_frame(enc, &scratch);
        size_t at = 1 + rnd_below((uint32_t)(n - 2));
        uint8_t flip = (uint8_t)(1 + rnd_below(255));
        enc[at] = (uint8_t)(enc[at] ^ flip) ? (uint8_t)(enc[at] ^ flip) : (uint8_t)(enc[at] + 1u);
        append(enc, n);
        break;
      }
      case 5: { /* an oversized header with a long body after it */
        uint16_t declared = (uint16_t)(HARK_PROTO_MAX_PAYLOAD + 1 + rnd_below(64000));
        uint8_t hdr[7] = {0, 6, HARK_PROTO_VERSION, (uint8_t)(1 + rnd_below(255)), (uint8_t)(1 + rnd_below(255)),
                          (uint8_t)(declared & 0xFF), (uint8_t)(declared >> 8)};
        if (!hdr[5]) hdr[5] = 1;
        append(hdr, sizeof hdr);
        uint32_t body = rnd_below(2 * HARK_PROTO_MAX_ENCODED);
        for (uint32_t i = 0; i < body; i++) {
          uint8_t b = (uint8_t)(1 + rnd_below(255));
          append(&b, 1);
        }
        break;
      }
      default: { /* a valid frame re-stamped with another version (header CRC then also fails) */
        size_t n = random_frame(enc, &scratch);
        if (enc[2] != 0 && enc[1] > 1) enc[2] = (uint8_t)(enc[2] + 1u) ? (uint8_t)(enc[2] + 1u) : 2u;
        append(enc, n);
        break;
      }
    }
  }
  uint8_t end = 0;
  append(&end, 1);
}

/* Counts the non-empty pieces between delimiters that are not one of the valid frames. */
static size_t expected_errors(void) {
  size_t errors = 0, k = 0;
  size_t i = 0;
  while (i < stream_len) {
    if (stream[i] == 0) {
      i++;
      continue;
    }
    size_t j = i;
    while (j < stream_len && stream[j] != 0) j++;
    while (k < sent_count && sent_end[k] <= i) k++;
    int is_valid = k < sent_count && sent_start[k] + 1 == i && sent_end[k] - 1 == j;
    if (!is_valid) errors++;
    i = j;
  }
  return errors;
}

static int check_unpackers(const uint8_t *data, uint16_t len) {
  /* An exact-size heap copy, so ASan sees any read past the payload. */
  uint8_t *copy = malloc(len ? len : 1);
  if (!copy) return 1;
  memcpy(copy, data, len);
  int bad = 0;
#define TRY(id, NAME, dir)                                                                        \
  {                                                                                               \
    hark_msg_##NAME##_t m;                                                                        \
    if (hark_unpack_##NAME(copy, len, &m) == 0) {                                                 \
      uint8_t repacked[HARK_PROTO_MAX_PAYLOAD];                                                   \
      int32_t n = hark_pack_##NAME(repacked, sizeof repacked, &m);                                \
      if (n != len || memcmp(repacked, copy, len) != 0) {                                         \
        fprintf(stderr, "unpack/pack of %s does not round-trip a %u-byte payload\n", #NAME, len); \
        bad = 1;                                                                                  \
      }                                                                                           \
    }                                                                                             \
  }
  HARK_MESSAGES(TRY)
#undef TRY
  free(copy);
  return bad;
}

int main(void) {
  const char *env = getenv("HARK_FUZZ_ROUNDS");
  long rounds = env ? strtol(env, NULL, 10) : 400;
  env = getenv("HARK_FUZZ_SEED");
  if (env) rng_state ^= (uint64_t)strtoull(env, NULL, 10) * 0x2545F4914F6CDD1Dull;

  static hark_parser_t parser;
  hark_parser_init(&parser);
  size_t total_frames = 0, total_errors = 0;
  for (long round = 0; round < rounds; round++) {
    build_stream();
    size_t want_errors = expected_errors();
    size_t got = 0, errors = 0;
    uint32_t frames_before = parser.stats.frames;
    for (size_t i = 0; i < stream_len; i++) {
      hark_frame_t f;
      int rc = hark_parser_push(&parser, stream[i], &f);
      if (parser.len > HARK_PROTO_MAX_FRAME) {
        fprintf(stderr, "round %ld: parser length %u beyond its buffer\n", round, parser.len);
        return 1;
      }
      if (rc == HARK_PARSE_FRAME) {
        const frame_copy_t *want = got < sent_count ? &sent[got] : NULL;
        if (!want || f.type != want->type || f.seq != want->seq || f.len != want->len ||
            memcmp(f.payload, want->payload, f.len) != 0) {
          fprintf(stderr, "round %ld: frame %zu delivered wrong (type %u len %u; want type %u len %u of %zu)\n", round, got, f.type, f.len, want ? (unsigned)want->type : 0u, want ? (unsigned)want->len : 0u, sent_count);
          fprintf(stderr, "at stream offset %zu\n", i);
          return 1;
        }
        if (f.payload < parser.buf || f.payload + f.len > parser.buf + sizeof parser.buf) return 1;
        if (check_unpackers(f.payload, f.len)) return 1;
        got++;
      } else if (rc != HARK_PARSE_NONE) {
        if (rc < HARK_ERR_FRAME_CRC || rc > HARK_ERR_FRAME_STUFFING) {
          fprintf(stderr, "round %ld: unexpected parser result %d\n", round, rc);
          return 1;
        }
        errors++;
      }
    }
    if (got != sent_count || errors != want_errors || parser.stats.frames - frames_before != got) {
      fprintf(stderr, "round %ld: %zu/%zu frames, %zu errors (oracle %zu)\n", round, got, sent_count, errors,
              want_errors);
      return 1;
    }
    total_frames += got;
    total_errors += errors;
  }
  /* Random payloads straight into every unpacker. */
  static uint8_t junk[HARK_PROTO_MAX_PAYLOAD];
  for (long i = 0; i < rounds * 20; i++) {
    uint16_t len = (uint16_t)rnd_below(rnd_below(2) ? 64 : HARK_PROTO_MAX_PAYLOAD + 1);
    for (uint16_t j = 0; j < len; j++) junk[j] = (uint8_t)rnd();
    if (check_unpackers(junk, len)) return 1;
  }
  /* Random bits into the packed-audio decoder: it must stay inside an exact-size copy. */
  static int16_t pcm[HARK_PROTO_MAX_PACKED_SAMPLES];
  long unpacked = 0;
  for (long i = 0; i < rounds * 20; i++) {
    uint16_t len = (uint16_t)rnd_below(HARK_PROTO_MAX_PAYLOAD + 1);
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) return 1;
    uint32_t density = rnd_below(256); /* sparse ones make long unary runs */
    for (uint16_t j = 0; j < len; j++) copy[j] = (uint8_t)(rnd() & rnd() & (density | rnd()));
    uint16_t count = (uint16_t)rnd_below(HARK_PROTO_MAX_PACKED_SAMPLES + 2);
    int rc = hark_audio_unpack(copy, len, (uint8_t)rnd_below(4), (uint8_t)rnd_below(23), pcm, count);
    unpacked += rc == 0;
    free(copy);
  }
  printf("protocol_fuzz: %ld random packed-audio payloads decoded in full\n", unpacked);
  printf("protocol_fuzz: %ld rounds, %zu frames delivered, %zu bad frames refused\n", rounds, total_frames,
         total_errors);
  return 0;
}

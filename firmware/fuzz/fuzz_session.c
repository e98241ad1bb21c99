/* Harness: structured message sequences into the real app dispatcher. The input is a script of commands
 * (the numbers tools/fuzz_corpus.py writes): uploads with correct CRCs (so mutated models get past the
 * store), partial uploads, bad CRCs, switches, profiles, audio in sequence and with gaps, parameter
 * changes, resets and queries. Each becomes valid frames, so the fuzzer spends its time in the store,
 * the pipeline and the kernels rather than in CRC checks. */
#include <string.h>

#include "app_host.h"
#include "fuzz.h"

enum { UPLOAD, PARTIAL, BAD_CRC, SWITCH, PROFILE, AUDIO_START, AUDIO, AUDIO_GAP, PARAM_SET, PARAM_GET, RESET, INFO, N_CMDS };

static uint8_t stream_buf[4u << 20];
static uint8_t payload[HARK_PROTO_MAX_PAYLOAD];

#define PUT(s, NAME, seq, msg) app_stream_frame((s), HARK_MSG_##NAME, (seq), payload, hark_pack_##NAME(payload, sizeof payload, (msg)))

static int upload(app_stream_t *s, fuzz_stream_t *in, int mode) {
  uint16_t len = fuzz_u16(in);
  if (len > in->size - in->pos) len = (uint16_t)(in->size - in->pos);
  const uint8_t *model = in->data + in->pos;
  in->pos += len;
  uint32_t crc = hark_crc32(model, len) + (mode == BAD_CRC ? 1u : 0u);
  hark_msg_MODEL_BEGIN_t b = {.size = len, .crc32 = crc};
  if (!PUT(s, MODEL_BEGIN, 1, &b)) return 0;
  uint32_t end = mode == PARTIAL ? len / 2u : len;
  for (uint32_t off = 0; off < end; off += 512u) {
    uint32_t n = end - off < 512u ? end - off : 512u;
    hark_msg_MODEL_CHUNK_t c = {.offset = off, .data = {model + off, (uint16_t)n}};
    if (!PUT(s, MODEL_CHUNK, 2, &c)) return 0;
  }
  if (mode == PARTIAL) return 1;
  return app_stream_frame(s, HARK_MSG_MODEL_COMMIT, 3, 0, 0);
}

static int audio(app_stream_t *s, uint16_t count, uint32_t *next, uint32_t *seed) {
  static int16_t samples[480];
  while (count) {
    uint16_t n = count < 480 ? count : 480;
    for (uint16_t i = 0; i < n; i++) {
      *seed = *seed * 1664525u + 1013904223u;
      samples[i] = (int16_t)(*seed >> 17);
    }
    hark_msg_AUDIO_CHUNK_t m = {.first_sample = *next, .samples = {(const uint8_t *)samples, (uint16_t)(n * 2u)}};
    if (!PUT(s, AUDIO_CHUNK, 4, &m)) return 0;
    *next += n;
    count = (uint16_t)(count - n);
  }
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  app_stream_t s = {stream_buf, sizeof stream_buf, 0};
  fuzz_stream_t in = {data, size, 0};
  uint32_t next = 0, seed = (uint32_t)size;
  int ok = 1;
  for (int n = 0; ok && in.pos < in.size && n < 64; n++) {
    switch (fuzz_u8(&in) % N_CMDS) {
      case UPLOAD: ok = upload(&s, &in, UPLOAD); break;
      case PARTIAL: ok = upload(&s, &in, PARTIAL); break;
      case BAD_CRC: ok = upload(&s, &in, BAD_CRC); break;
      case SWITCH: ok = app_stream_frame(&s, HARK_MSG_MODEL_SWITCH, 5, 0, 0); break;
      case PROFILE: ok = app_stream_frame(&s, HARK_MSG_PROFILE_REQUEST, 6, 0, 0); break;
      case AUDIO_START:
        next = 0;
        ok = app_stream_frame(&s, HARK_MSG_AUDIO_START, 7, 0, 0);
        break;
      case AUDIO: ok = audio(&s, fuzz_u16(&in) % 4096u, &next, &seed); break;
      case AUDIO_GAP:
        next += fuzz_u8(&in);
        ok = audio(&s, 320, &next, &seed);
        break;
      case PARAM_SET: {
        hark_msg_PARAM_SET_t m = {.param = (uint16_t)(fuzz_u8(&in) % 12u), .value = fuzz_u32(&in)};
        ok = PUT(&s, PARAM_SET, 8, &m);
        break;
      }
      case PARAM_GET: {
        hark_msg_PARAM_GET_t m = {.param = (uint16_t)(fuzz_u8(&in) % 12u)};
        ok = PUT(&s, PARAM_GET, 9, &m);
        break;
      }
      case RESET: ok = app_stream_frame(&s, HARK_MSG_STATE_RESET, 10, 0, 0); break;
      default:
        ok = app_stream_frame(&s, HARK_MSG_IDENTITY_GET, 11, 0, 0) && app_stream_frame(&s, HARK_MSG_STATS_GET, 12, 0, 0);
        break;
    }
  }
  app_host_run(s.buf, s.len, 0, 0);
  return 0;
}

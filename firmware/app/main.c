/* The app: one serial line carries framed requests, audio and reports (firmware/protocol).
 *
 * The loop drains the UART ring through the frame parser and handles each frame as it completes.
 * Audio arrives in AUDIO_CHUNK or AUDIO_PACKED frames under credit flow control: the device grants
 * HARK_PROTO_AUDIO_WINDOW chunks at AUDIO_START and one more per chunk it has finished, so the
 * ring never holds more than the window; bytes lost anyway are counted and reported. Chunks are cut
 * into hops of pipeline_hop_samples(), and each hop runs frontend -> model -> recognize
 * (pipeline.c) and reports detections, scores and counts. */
#include <stdint.h>
#include <string.h>

#include "audio_in.h"
#include "board.h"
#include "fmt.h"
#include "identity.h"
#include "model_store.h"
#include "pipeline.h"
#include "protocol.h"

static hark_parser_t parser;
static uint8_t tx[HARK_PROTO_MAX_ENCODED];
static uint8_t payload[HARK_PROTO_MAX_PAYLOAD];

/* The busy loops of debug.chunk_load / debug.stall are bounded so that no serial request can hang the
 * device for long; a host fuzzing build lowers the bound so that it does not time out. */
#ifndef HARK_DEBUG_LOAD_MAX
#define HARK_DEBUG_LOAD_MAX 200000000u
#endif

static struct {
  uint32_t scores_every_hops; /* 0: never */
  uint32_t counts_every_hops; /* 0: never */
  uint32_t loopback;          /* echo every audio chunk back */
  uint32_t chunk_load;        /* busy iterations after every chunk */
  uint32_t stall;             /* busy iterations after the next chunk only, cut short by an overrun */
} params;

static struct {
  uint32_t next_sample; /* the first_sample the next chunk should carry */
  uint32_t chunks;      /* chunks finished since AUDIO_START */
  uint32_t hop_fill;
  uint32_t hop_index;
  int16_t hop[PIPELINE_MAX_HOP_SAMPLES];
} audio;

static struct {
  uint32_t audio_chunks, audio_samples, audio_lost_samples, hops, detections, rx_overruns_reported;
} stats;

/* ---- sending ------------------------------------------------------------------------------- */
static void send_frame(uint8_t type, uint8_t seq, const uint8_t *data, int32_t len) {
  if (len < 0) return; /* a payload that does not fit: cannot happen with the fixed layouts */
  size_t n = hark_frame_encode(tx, sizeof tx, type, seq, data, (uint16_t)len);
  board_serial_write(tx, n);
}

#define SEND(NAME, seq, msg) send_frame(HARK_MSG_##NAME, (seq), payload, hark_pack_##NAME(payload, sizeof payload, (msg)))

static void send_error(int code, uint8_t request, uint8_t seq, const char *detail) {
  char text[160];
  size_t p = fmt_str(text, 0, sizeof text, hark_err_text(code));
  if (detail && *detail) {
    p = fmt_str(text, p, sizeof text, ": ");
    fmt_str(text, p, sizeof text, detail);
  }
  hark_msg_ERROR_t m = {.code = (uint16_t)code, .request = request, .text = hark_tail_str(text)};
  SEND(ERROR, seq, &m);
}

static void send_ack(const hark_frame_t *f) {
  hark_msg_ACK_t m = {.request = f->type};
  SEND(ACK, f->seq, &m);
}

/* Reports receive-buffer overruns as soon as they are seen: audio loss is never silent. */
static void check_overruns(void) {
  uint32_t total = board_serial_rx_overruns();
  if (total == stats.rx_overruns_reported) return;
  char detail[64];
  size_t p = fmt_u32(detail, 0, sizeof detail, total - stats.rx_overruns_reported);
  p = fmt_str(detail, p, sizeof detail, " bytes lost, ");
  p = fmt_u32(detail, p, sizeof detail, total);
  fmt_str(detail, p, sizeof detail, " in total");
  stats.rx_overruns_reported = total;
  send_error(HARK_ERR_AUDIO_OVERRUN, 0, HARK_PROTO_SEQ_ASYNC, detail);
}

/* Microphone blocks the board overwrote before the app read them: counted as lost audio and reported. */
static void check_mic_overruns(void) {
  uint32_t lost = audio_in_new_overruns();
  if (!lost) return;
  stats.audio_lost_samples += lost * AUDIO_IN_BLOCK_SAMPLES;
  char detail[64];
  size_t p = fmt_str(detail, 0, sizeof detail, "microphone: ");
  p = fmt_u32(detail, p, sizeof detail, lost);
  fmt_str(detail, p, sizeof detail, " blocks lost");
  send_error(HARK_ERR_AUDIO_OVERRUN, 0, HARK_PROTO_SEQ_ASYNC, detail);
}

/* ---- hops ---------------------------------------------------------------------------------- */
static void run_hop(void) {
  pipeline_hop_t h;
  uint32_t t0 = board_counter();
  int rc = pipeline_hop(audio.hop, &h);
  uint32_t total = board_counter_elapsed(t0, board_counter());
  uint32_t hop = audio.hop_index++;
  if (rc) {
    send_error(rc, HARK_MSG_AUDIO_CHUNK, HARK_PROTO_SEQ_ASYNC, "hop processing");
    return;
  }
  stats.hops++;
  if (params.counts_every_hops && hop % params.counts_every_hops == 0) {
    hark_msg_HOP_COUNTS_t m = {.hop = hop, .frontend = h.frontend, .inference = h.inference,
                               .recognize = h.recognize, .total = total, .invoked = h.invoked};
    SEND(HOP_COUNTS, HARK_PROTO_SEQ_ASYNC, &m);
  }
  if (h.invoked && params.scores_every_hops && hop % params.scores_every_hops == 0) {
    hark_msg_SCORES_t m = {.hop = hop, .time_ms = h.time_ms,
                           .scores = {(const uint8_t *)h.scores, h.score_count}};
    SEND(SCORES, HARK_PROTO_SEQ_ASYNC, &m);
  }
  if (h.detected) {
    stats.detections++;
    hark_msg_DETECTION_t m = {.time_ms = h.time_ms, .label = h.label, .score = h.score,
                              .label_name = hark_tail_str(h.label_name)};
    SEND(DETECTION, HARK_PROTO_SEQ_ASYNC, &m);
  }
}

/* Cuts the chunk's samples (little-endian bytes, possibly unaligned) into hops. */
static void feed_hops(const uint8_t *bytes, uint32_t count) {
  uint32_t hop = pipeline_hop_samples();
  if (hop == 0 || hop > PIPELINE_MAX_HOP_SAMPLES) { /* no model (switch_model refuses larger hops) */
    if (!params.loopback && count) {
      char detail[48];
      fmt_str(detail, fmt_u32(detail, 0, sizeof detail, count), sizeof detail, " samples dropped: no model");
      stats.audio_lost_samples += count;
      send_error(HARK_ERR_MODEL_INVALID, HARK_MSG_AUDIO_CHUNK, HARK_PROTO_SEQ_ASYNC, detail);
    }
    return;
  }
  while (count) {
    uint32_t take = hop - audio.hop_fill;
    if (take > count) take = count;
    memcpy(&audio.hop[audio.hop_fill], bytes, take * sizeof(int16_t));
    audio.hop_fill += take;
    bytes += take * sizeof(int16_t);
    count -= take;
    if (audio.hop_fill == hop) {
      audio.hop_fill = 0;
      run_hop();
    }
  }
}

/* Stand-ins for a slow pipeline (flow-control tests): a fixed load, and a one-time stall that ends
 * as soon as bytes are lost, so a test of overrun reporting takes no longer than the overrun. */
static void busy_load(uint32_t iterations) {
  for (volatile uint32_t i = 0; i < iterations; i = i + 1u) {
  }
}

static void stall_until_overrun(uint32_t iterations) {
  uint32_t overruns = board_serial_rx_overruns();
  for (volatile uint32_t i = 0; i < iterations && board_serial_rx_overruns() == overruns; i = i + 1u) {
  }
}

static void audio_restart(void) {
  audio.next_sample = 0;
  audio.chunks = 0;
  audio.hop_fill = 0;
  audio.hop_index = 0;
}

/* Echoes samples (little-endian bytes) as AUDIO_ECHO frames of at most a payload each. */
static void echo_samples(uint32_t first_sample, const uint8_t *bytes, uint32_t count) {
  const uint32_t per_frame = (HARK_PROTO_MAX_PAYLOAD - 4) / sizeof(int16_t);
  for (uint32_t done = 0; done < count;) {
    uint32_t n = count - done < per_frame ? count - done : per_frame;
    hark_msg_AUDIO_ECHO_t m = {.first_sample = first_sample + done,
                               .samples = {bytes + done * sizeof(int16_t), (uint16_t)(n * sizeof(int16_t))}};
    SEND(AUDIO_ECHO, HARK_PROTO_SEQ_ASYNC, &m);
    done += n;
  }
}

/* AUDIO_CHUNK (raw samples) and AUDIO_PACKED (Rice-coded) take the same path once unpacked. */
static void on_audio(const hark_frame_t *f) {
  static int16_t unpacked[HARK_PROTO_MAX_PACKED_SAMPLES];
  uint32_t first_sample = 0, count = 0;
  const uint8_t *bytes = NULL;
  int ok;
  if (f->type == HARK_MSG_AUDIO_CHUNK) {
    hark_msg_AUDIO_CHUNK_t m;
    ok = hark_unpack_AUDIO_CHUNK(f->payload, f->len, &m) == 0;
    first_sample = m.first_sample;
    bytes = m.samples.ptr;
    count = m.samples.len / sizeof(int16_t);
  } else {
    hark_msg_AUDIO_PACKED_t m;
    ok = hark_unpack_AUDIO_PACKED(f->payload, f->len, &m) == 0 &&
         hark_audio_unpack(m.bits.ptr, m.bits.len, m.order, m.rice_k, unpacked, m.count) == 0;
    first_sample = m.first_sample;
    bytes = (const uint8_t *)unpacked;
    count = m.count;
  }
  if (!ok) {
    send_error(HARK_ERR_BAD_PAYLOAD, f->type, f->seq, f->type == HARK_MSG_AUDIO_CHUNK ? "AUDIO_CHUNK" : "AUDIO_PACKED");
  } else {
    if (first_sample != audio.next_sample) {
      char detail[64];
      size_t p = fmt_str(detail, 0, sizeof detail, "expected sample ");
      p = fmt_u32(detail, p, sizeof detail, audio.next_sample);
      p = fmt_str(detail, p, sizeof detail, ", got ");
      fmt_u32(detail, p, sizeof detail, first_sample);
      if (first_sample > audio.next_sample) stats.audio_lost_samples += first_sample - audio.next_sample;
      send_error(HARK_ERR_AUDIO_GAP, f->type, f->seq, detail);
      audio.hop_fill = 0; /* a hop never spans a gap */
    }
    if (params.loopback) echo_samples(first_sample, bytes, count);
    feed_hops(bytes, count);
    busy_load(params.chunk_load);
    if (params.stall) {
      stall_until_overrun(params.stall);
      params.stall = 0;
    }
    audio.next_sample = first_sample + count;
    stats.audio_chunks++;
    stats.audio_samples += count;
  }
  /* Every audio frame returns its credit, even a malformed one, or the host would stall. */
  audio.chunks++;
  hark_msg_AUDIO_CREDIT_t c = {.chunks_done = audio.chunks, .credits = 1};
  SEND(AUDIO_CREDIT, HARK_PROTO_SEQ_ASYNC, &c);
}

/* ---- parameters ---------------------------------------------------------------------------- */
static uint32_t float_bits(float v) {
  uint32_t b;
  memcpy(&b, &v, 4);
  return b;
}

static float bits_float(uint32_t b) {
  float v;
  memcpy(&v, &b, 4);
  return v;
}

/* audio.source: switching to the microphone starts a fresh stream, as AUDIO_START does for serial audio. */
static int param_audio_source(const uint32_t *value, uint32_t *bits) {
  if (value) {
    int rc = audio_in_set(*value);
    if (rc) return rc;
    if (*value) {
      audio_restart();
      pipeline_reset();
    }
  }
  *bits = (uint32_t)audio_in_active();
  return 0;
}

/* Reads (value == NULL) or writes one parameter; returns 0 or a hark_err_t, and its current bits. */
static int param_access(uint16_t id, const uint32_t *value, uint8_t *kind, uint32_t *bits) {
  pipeline_recognition_t r = {0};
  int have_model = pipeline_get_recognition(&r);
  int32_t *ri = NULL;
  uint32_t *ai = NULL;
  *kind = 'i';
  if (id == HARK_PARAM_AUDIO_SOURCE) return param_audio_source(value, bits);
  if (id == HARK_PARAM_MODEL_STORE) {
    int rc = value ? model_store_set_target(*value) : 0;
    *bits = model_store_target();
    return rc;
  }
  switch (id) {
    case HARK_PARAM_RECOGNITION_AVERAGE_WINDOW_MS: ri = &r.average_window_ms; break;
    case HARK_PARAM_RECOGNITION_SUPPRESSION_MS: ri = &r.suppression_ms; break;
    case HARK_PARAM_RECOGNITION_MINIMUM_COUNT: ri = &r.minimum_count; break;
    case HARK_PARAM_RECOGNITION_DETECTION_THRESHOLD: *kind = 'f'; break;
    case HARK_PARAM_REPORT_SCORES_EVERY_HOPS: ai = &params.scores_every_hops; break;
    case HARK_PARAM_REPORT_COUNTS_EVERY_HOPS: ai = &params.counts_every_hops; break;
    case HARK_PARAM_AUDIO_LOOPBACK: ai = &params.loopback; break;
    case HARK_PARAM_DEBUG_CHUNK_LOAD: ai = &params.chunk_load; break;
    case HARK_PARAM_DEBUG_STALL: ai = &params.stall; break;
    default: return HARK_ERR_UNKNOWN_PARAM;
  }
  if (!ai && have_model) return have_model; /* recognition parameters come with a model */
  if (value) {
    if (ai) {
      if ((int32_t)*value < 0 || (id == HARK_PARAM_AUDIO_LOOPBACK && *value > 1u)) return HARK_ERR_BAD_VALUE;
      if ((id == HARK_PARAM_DEBUG_CHUNK_LOAD || id == HARK_PARAM_DEBUG_STALL) && *value > HARK_DEBUG_LOAD_MAX)
        return HARK_ERR_BAD_VALUE;
      *ai = *value;
    } else {
      if (ri) {
        *ri = (int32_t)*value;
      } else {
        r.detection_threshold = bits_float(*value);
      }
      int rc = pipeline_set_recognition(&r);
      if (rc) return rc;
    }
  }
  *bits = ai ? *ai : ri ? (uint32_t)*ri : float_bits(r.detection_threshold);
  return 0;
}

static void on_param(const hark_frame_t *f) {
  uint16_t id;
  uint32_t value = 0;
  int parsed;
  if (f->type == HARK_MSG_PARAM_GET) {
    hark_msg_PARAM_GET_t m;
    parsed = hark_unpack_PARAM_GET(f->payload, f->len, &m);
    id = m.param;
  } else {
    hark_msg_PARAM_SET_t m;
    parsed = hark_unpack_PARAM_SET(f->payload, f->len, &m);
    id = m.param;
    value = m.value;
  }
  if (parsed) {
    send_error(HARK_ERR_BAD_PAYLOAD, f->type, f->seq, NULL);
    return;
  }
  hark_msg_PARAM_t reply = {.param = id};
  int rc = param_access(id, f->type == HARK_MSG_PARAM_SET ? &value : NULL, &reply.kind, &reply.value);
  if (rc) {
    char detail[8];
    fmt_u32(detail, 0, sizeof detail, id);
    send_error(rc, f->type, f->seq, detail);
    return;
  }
  SEND(PARAM, f->seq, &reply);
}

/* ---- models -------------------------------------------------------------------------------- */
static void send_model_status(const hark_frame_t *f) {
  const model_store_status_t *s = model_store_status();
  hark_msg_MODEL_STATUS_t m = {.size = s->size, .received = s->received, .crc32 = s->crc32, .verified = s->verified};
  SEND(MODEL_STATUS, f->seq, &m);
}

static void on_model(const hark_frame_t *f) {
  int rc = HARK_ERR_BAD_PAYLOAD;
  char detail[128] = "";
  switch (f->type) {
    case HARK_MSG_MODEL_BEGIN: {
      hark_msg_MODEL_BEGIN_t m;
      if (hark_unpack_MODEL_BEGIN(f->payload, f->len, &m) == 0) {
        /* Chunks will overwrite the store (the upload buffer, or the flash region, which MODEL_BEGIN
         * erases): a model running from it stops first (issue 17). */
        const uint8_t *target;
        uint32_t target_size;
        model_store_target_memory(&target, &target_size);
        pipeline_stop_if_in(target, target_size);
        rc = model_store_begin(m.size, m.crc32);
        fmt_str(detail, 0, sizeof detail, model_store_detail());
      }
      break;
    }
    case HARK_MSG_MODEL_CHUNK: {
      hark_msg_MODEL_CHUNK_t m;
      if (hark_unpack_MODEL_CHUNK(f->payload, f->len, &m) == 0) {
        rc = model_store_chunk(m.offset, m.data.ptr, m.data.len);
        fmt_str(detail, 0, sizeof detail, model_store_detail());
      }
      break;
    }
    case HARK_MSG_MODEL_COMMIT:
      rc = f->len ? HARK_ERR_BAD_PAYLOAD : model_store_commit();
      if (rc && !f->len) fmt_str(detail, 0, sizeof detail, model_store_detail());
      if (rc == HARK_ERR_MODEL_TRUNCATED) {
        size_t p = fmt_str(detail, 0, sizeof detail, "received ");
        p = fmt_u32(detail, p, sizeof detail, model_store_status()->received);
        p = fmt_str(detail, p, sizeof detail, " of ");
        p = fmt_u32(detail, p, sizeof detail, model_store_status()->size);
        fmt_str(detail, p, sizeof detail, " bytes");
      }
      if (rc == 0) {
        send_model_status(f);
        return;
      }
      break;
    default: /* MODEL_SWITCH */
      if (f->len) break;
      rc = model_store_data() ? pipeline_switch_model(model_store_data(), model_store_status()->size)
                              : HARK_ERR_MODEL_INVALID;
      if (rc && model_store_data()) fmt_str(detail, 0, sizeof detail, pipeline_error());
      if (rc == 0) {
        audio_restart();
        audio_in_set((uint32_t)audio_in_active()); /* a fresh stream: earlier microphone losses are not its */
      }
      break;
  }
  if (rc) {
    send_error(rc, f->type, f->seq, detail);
  } else {
    send_ack(f);
  }
}

/* ---- dispatch ------------------------------------------------------------------------------ */
static void on_frame(const hark_frame_t *f) {
  switch (f->type) {
    case HARK_MSG_PING: {
      hark_msg_PING_t m;
      hark_unpack_PING(f->payload, f->len, &m); /* any payload is a valid PING */
      hark_msg_PONG_t r = {.data = m.data};
      SEND(PONG, f->seq, &r);
      return;
    }
    case HARK_MSG_IDENTITY_GET: {
      if (f->len) break;
      hark_msg_IDENTITY_t m;
      identity_fill(&m);
      SEND(IDENTITY, f->seq, &m);
      return;
    }
    case HARK_MSG_PARAM_GET:
    case HARK_MSG_PARAM_SET:
      on_param(f);
      return;
    case HARK_MSG_STATE_RESET:
      if (f->len) break;
      pipeline_reset();
      audio_restart();
      send_ack(f);
      return;
    case HARK_MSG_STATS_GET: {
      if (f->len) break;
      hark_msg_STATS_t m = {.frames_ok = parser.stats.frames, .frame_errors = parser.stats.errors,
                            .rx_overruns = board_serial_rx_overruns(), .audio_chunks = stats.audio_chunks,
                            .audio_samples = stats.audio_samples, .audio_lost_samples = stats.audio_lost_samples,
                            .hops = stats.hops, .detections = stats.detections};
      SEND(STATS, f->seq, &m);
      return;
    }
    case HARK_MSG_AUDIO_START: {
      if (f->len) break;
      if (pipeline_hop_samples() == 0 && !params.loopback) {
        send_error(pipeline_is_bare() ? HARK_ERR_MODEL_METADATA : HARK_ERR_MODEL_INVALID, f->type, f->seq,
                   pipeline_is_bare() ? "the model has no hark metadata: audio cannot be processed"
                                      : "no model: audio cannot be processed");
        return;
      }
      audio_in_set(0); /* serial audio replaces the microphone until audio.source = 1 */
      audio_restart();
      pipeline_reset();
      hark_msg_AUDIO_CREDIT_t m = {.chunks_done = 0, .credits = HARK_PROTO_AUDIO_WINDOW};
      SEND(AUDIO_CREDIT, f->seq, &m);
      return;
    }
    case HARK_MSG_AUDIO_CHUNK:
    case HARK_MSG_AUDIO_PACKED:
      on_audio(f);
      return;
    case HARK_MSG_PROFILE_REQUEST: {
      if (f->len) break;
      static uint32_t counts[PIPELINE_MAX_OPS];
      uint16_t ops = 0;
      uint32_t total = 0;
      int rc = pipeline_profile(counts, PIPELINE_MAX_OPS, &ops, &total);
      if (rc) {
        send_error(rc, f->type, f->seq, pipeline_error());
        return;
      }
      const uint16_t per_frame = (HARK_PROTO_MAX_PAYLOAD - 8) / 4;
      uint16_t first = 0;
      do { /* at least one frame, even for a model without operators */
        uint16_t n = (uint16_t)(ops - first < per_frame ? ops - first : per_frame);
        hark_msg_PROFILE_OPS_t m = {.first_op = first, .total_ops = ops, .invoke_total = total,
                                    .counts = {(const uint8_t *)&counts[first], (uint16_t)(n * 4u)}};
        SEND(PROFILE_OPS, f->seq, &m);
        first = (uint16_t)(first + n);
      } while (first < ops);
      return;
    }
    case HARK_MSG_MODEL_BEGIN:
    case HARK_MSG_MODEL_CHUNK:
    case HARK_MSG_MODEL_COMMIT:
    case HARK_MSG_MODEL_SWITCH:
      on_model(f);
      return;
    default: {
      char detail[8];
      fmt_u32(detail, 0, sizeof detail, f->type);
      send_error(HARK_ERR_UNKNOWN_TYPE, f->type, f->seq, detail);
      return;
    }
  }
  send_error(HARK_ERR_BAD_PAYLOAD, f->type, f->seq, "expected no payload");
}

int main(void) {
  /* Every run starts clean (a host harness calls main() once per input). */
  memset(&params, 0, sizeof params);
  memset(&audio, 0, sizeof audio);
  memset(&stats, 0, sizeof stats);
  board_init();
  model_store_init();
  pipeline_init();
  audio_in_init();
  hark_parser_init(&parser);
  hark_msg_HELLO_t hello = {.protocol = HARK_PROTO_VERSION, .firmware = hark_s8(HARK_VERSION)};
  SEND(HELLO, HARK_PROTO_SEQ_ASYNC, &hello);

  for (;;) {
    uint8_t bytes[64];
    size_t n = board_serial_read(bytes, sizeof bytes);
    if (n == 0) {
      /* The line has priority; the microphone is read when it is idle (a block waits in its buffer),
       * and only once a model can take the audio, so an emulated microphone starts with the model. */
      static int16_t mic_block[AUDIO_IN_BLOCK_SAMPLES];
      uint32_t got = 0;
      if (pipeline_hop_samples()) {
        got = audio_in_read(mic_block);
        check_mic_overruns();
      }
      if (got) {
        feed_hops((const uint8_t *)mic_block, got);
        stats.audio_samples += got;
        continue;
      }
      check_overruns();
      board_wait_for_event();
      continue;
    }
    for (size_t i = 0; i < n; i++) {
      hark_frame_t frame;
      int rc = hark_parser_push(&parser, bytes[i], &frame);
      if (rc == HARK_PARSE_FRAME) {
        on_frame(&frame);
      } else if (rc != HARK_PARSE_NONE) {
        send_error(rc, 0, HARK_PROTO_SEQ_ASYNC, NULL);
      }
    }
    check_overruns();
  }
}

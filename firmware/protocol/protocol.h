/* The hark serial protocol: frames, messages, error codes and device parameters.
 *
 * This header is the one source of truth for both sides of the line. The host's codec
 * (host/hark/device/protocol.py) parses the tables below (constants, HARK_MESSAGES, HARK_FIELDS_*,
 * HARK_ERRORS, HARK_PARAMS) instead of retyping them, so keep every table entry on its own line in
 * the form shown. docs/protocol.md explains the design.
 *
 * Wire format: every frame travels as 0x00, COBS(header | payload | crc32), 0x00. The delimiter
 * cannot occur inside a COBS body, so a receiver resynchronises at the next 0x00 after garbage or a
 * torn frame, and the leading delimiter ends whatever torn frame came before.
 *   header  u8 version, u8 type, u8 seq, u16 payload length (little-endian)
 *   payload 0..HARK_PROTO_MAX_PAYLOAD bytes, laid out as HARK_FIELDS_<message> says
 *   crc32   CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320, init and xorout 0xFFFFFFFF; zlib's
 *           crc32) over header and payload, little-endian
 */
#ifndef HARK_PROTOCOL_H
#define HARK_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

/* ---- constants ------------------------------------------------------------------------------- */
#define HARK_PROTO_VERSION 1
#define HARK_PROTO_DELIMITER 0
#define HARK_PROTO_HEADER_SIZE 5
#define HARK_PROTO_CRC_SIZE 4
/* Bounds every buffer on both sides; a header that declares more is rejected before its payload. */
#define HARK_PROTO_MAX_PAYLOAD 1024
#define HARK_PROTO_MAX_FRAME (HARK_PROTO_HEADER_SIZE + HARK_PROTO_MAX_PAYLOAD + HARK_PROTO_CRC_SIZE)
/* COBS adds one code byte per 254 data bytes plus one, and the two delimiters. */
#define HARK_PROTO_MAX_ENCODED (HARK_PROTO_MAX_FRAME + HARK_PROTO_MAX_FRAME / 254 + 4)
/* Audio flow control: AUDIO_CHUNK frames the host may have in flight. The device's receive buffer
 * must hold this many maximal encoded frames plus control traffic (mps2-an386: 4096 B ring). */
#define HARK_PROTO_AUDIO_WINDOW 3
/* Samples one AUDIO_PACKED frame may carry (silence packs to about a bit per sample). */
#define HARK_PROTO_MAX_PACKED_SAMPLES 2048
/* seq 0 marks an unsolicited (asynchronous) device message; requests use 1..255. */
#define HARK_PROTO_SEQ_ASYNC 0

/* ---- messages -------------------------------------------------------------------------------- */
/* M(id, NAME, direction): H2D host to device, D2H device to host. A reply carries the seq of its
 * request; every request is answered by exactly one reply or an ERROR with its seq. */
#define HARK_MESSAGES(M) \
  M(0x01, PING, H2D) \
  M(0x02, IDENTITY_GET, H2D) \
  M(0x03, PARAM_GET, H2D) \
  M(0x04, PARAM_SET, H2D) \
  M(0x05, STATE_RESET, H2D) \
  M(0x06, STATS_GET, H2D) \
  M(0x07, AUDIO_START, H2D) \
  M(0x08, AUDIO_CHUNK, H2D) \
  M(0x09, PROFILE_REQUEST, H2D) \
  M(0x0A, MODEL_BEGIN, H2D) \
  M(0x0B, MODEL_CHUNK, H2D) \
  M(0x0C, MODEL_COMMIT, H2D) \
  M(0x0D, MODEL_SWITCH, H2D) \
  M(0x0E, AUDIO_PACKED, H2D) \
  M(0x80, HELLO, D2H) \
  M(0x81, PONG, D2H) \
  M(0x82, IDENTITY, D2H) \
  M(0x83, PARAM, D2H) \
  M(0x84, ACK, D2H) \
  M(0x85, STATS, D2H) \
  M(0x86, AUDIO_CREDIT, D2H) \
  M(0x87, AUDIO_ECHO, D2H) \
  M(0x88, DETECTION, D2H) \
  M(0x89, SCORES, D2H) \
  M(0x8A, HOP_COUNTS, D2H) \
  M(0x8B, PROFILE_OPS, D2H) \
  M(0x8C, MODEL_STATUS, D2H) \
  M(0x8F, ERROR, D2H)

/* Payload layouts, in order. F(type, name) is a fixed field: u8 u16 u32 i8 i16 i32 f32 (little-endian)
 * or s8 (u8 length + that many bytes of UTF-8). T(kind, name) is the tail: the rest of the payload,
 * as bytes, str (UTF-8), i8s, i16s or u32s (little-endian arrays). At most one tail, last. */
#define HARK_FIELDS_PING(F, T) T(bytes, data)
#define HARK_FIELDS_IDENTITY_GET(F, T)
#define HARK_FIELDS_PARAM_GET(F, T) F(u16, param)
/* value: the raw 32 bits of an int32 or a float32, as HARK_PARAMS types the parameter */
#define HARK_FIELDS_PARAM_SET(F, T) F(u16, param) F(u32, value)
#define HARK_FIELDS_STATE_RESET(F, T)
#define HARK_FIELDS_STATS_GET(F, T)
#define HARK_FIELDS_AUDIO_START(F, T)
/* first_sample: index of samples[0] in the stream since AUDIO_START, so a lost chunk shows as a gap */
#define HARK_FIELDS_AUDIO_CHUNK(F, T) F(u32, first_sample) T(i16s, samples)
/* AUDIO_CHUNK losslessly packed, for lines slower than the audio (QEMU's UART takes ~6 KB/s): the
 * residuals of a fixed predictor of `order` 0..2 (applied order times: e[0] = x[0], e[n] = x[n] -
 * x[n-1]), zigzag-mapped (0, -1, 1, -2 ... -> 0, 1, 2, 3 ...) and Rice-coded with parameter rice_k
 * (quotient in unary as zeros ended by a one, then rice_k remainder bits), MSB first. */
#define HARK_FIELDS_AUDIO_PACKED(F, T) F(u32, first_sample) F(u16, count) F(u8, order) F(u8, rice_k) T(bytes, bits)
#define HARK_FIELDS_PROFILE_REQUEST(F, T)
#define HARK_FIELDS_MODEL_BEGIN(F, T) F(u32, size) F(u32, crc32)
#define HARK_FIELDS_MODEL_CHUNK(F, T) F(u32, offset) T(bytes, data)
#define HARK_FIELDS_MODEL_COMMIT(F, T)
#define HARK_FIELDS_MODEL_SWITCH(F, T)
#define HARK_FIELDS_HELLO(F, T) F(u8, protocol) F(s8, firmware)
#define HARK_FIELDS_PONG(F, T) T(bytes, data)
/* counter_kind: 0 cycles (hardware), 1 instructions (emulator); arena/model fields are 0 without a model;
 * clock: the clock in use and how it came up (a failed start-up names the step and the fallback) */
#define HARK_FIELDS_IDENTITY(F, T) F(u8, protocol) F(u8, counter_kind) F(u8, has_microphone) F(u8, audio_window) F(u16, max_payload) F(u32, clock_hz) F(u32, flash_used) F(u32, static_ram_used) F(u32, stack_size) F(u32, stack_peak) F(u32, arena_size) F(u32, arena_used) F(u32, model_size) F(u32, upload_capacity) F(u32, flash_capacity) F(s8, board) F(s8, cpu) F(s8, firmware) F(s8, build) F(s8, model_name) F(s8, model_hash) F(s8, clock)
/* kind: 'i' int32 or 'f' float32 (the metadata type letters); value: raw bits */
#define HARK_FIELDS_PARAM(F, T) F(u16, param) F(u8, kind) F(u32, value)
/* request: the type of the request this acknowledges */
#define HARK_FIELDS_ACK(F, T) F(u8, request)
#define HARK_FIELDS_STATS(F, T) F(u32, frames_ok) F(u32, frame_errors) F(u32, rx_overruns) F(u32, audio_chunks) F(u32, audio_samples) F(u32, audio_lost_samples) F(u32, hops) F(u32, detections)
/* credits: further AUDIO_CHUNK frames the host may send (added to what it holds) */
#define HARK_FIELDS_AUDIO_CREDIT(F, T) F(u32, chunks_done) F(u16, credits)
#define HARK_FIELDS_AUDIO_ECHO(F, T) F(u32, first_sample) T(i16s, samples)
/* score: the averaged score of the label in the model's output domain shifted to start at 0
 * (0..255 for int8 and uint8 outputs); time_ms: stream time of the hop that triggered */
#define HARK_FIELDS_DETECTION(F, T) F(u32, time_ms) F(u8, label) F(i16, score) T(str, label_name)
/* scores: the model's raw output for one hop (int8; uint8 models are shifted by -128) */
#define HARK_FIELDS_SCORES(F, T) F(u32, hop) F(u32, time_ms) T(i8s, scores)
/* counter units: cycles or instructions, as IDENTITY.counter_kind says; invoked: 1 if the model ran */
#define HARK_FIELDS_HOP_COUNTS(F, T) F(u32, hop) F(u32, frontend) F(u32, inference) F(u32, recognize) F(u32, total) F(u8, invoked)
/* One invoke's per-operator counts, split over frames: counts for ops first_op.. of total_ops */
#define HARK_FIELDS_PROFILE_OPS(F, T) F(u16, first_op) F(u16, total_ops) F(u32, invoke_total) T(u32s, counts)
#define HARK_FIELDS_MODEL_STATUS(F, T) F(u32, size) F(u32, received) F(u32, crc32) F(u8, verified)
/* request: the type of the request that failed (0 for a frame that could not be read) */
#define HARK_FIELDS_ERROR(F, T) F(u16, code) F(u8, request) T(str, text)

/* ---- error codes ----------------------------------------------------------------------------- */
/* E(code, NAME, "meaning") */
#define HARK_ERRORS(E) \
  E(1, FRAME_CRC, "frame CRC mismatch") \
  E(2, FRAME_LENGTH, "frame length disagrees with its header (torn frame)") \
  E(3, FRAME_OVERSIZE, "frame header declares a payload above the maximum") \
  E(4, FRAME_VERSION, "unsupported protocol version") \
  E(5, FRAME_SHORT, "frame shorter than a header and CRC") \
  E(6, FRAME_STUFFING, "frame byte stuffing broken (torn frame)") \
  E(7, UNKNOWN_TYPE, "unknown message type") \
  E(8, BAD_PAYLOAD, "payload does not match the message layout") \
  E(9, UNKNOWN_PARAM, "unknown parameter") \
  E(10, BAD_VALUE, "parameter value out of range") \
  E(11, NOT_AVAILABLE, "not available in this firmware build") \
  E(12, AUDIO_OVERRUN, "serial receive buffer overrun: bytes were lost") \
  E(13, AUDIO_GAP, "audio chunk does not follow the previous one") \
  E(14, MODEL_TOO_LARGE, "model larger than the upload buffer or flash region") \
  E(15, MODEL_SEQUENCE, "model chunk out of order, or no upload in progress") \
  E(16, MODEL_TRUNCATED, "model upload incomplete") \
  E(17, MODEL_CRC, "model CRC mismatch") \
  E(18, MODEL_INVALID, "no verified model to switch to, or the model is corrupt") \
  E(19, MODEL_METADATA, "the model's hark metadata is missing or invalid") \
  E(20, MODEL_UNSUPPORTED, "the model needs an operator or type this runtime lacks") \
  E(21, ARENA_TOO_SMALL, "the model does not fit the arena") \
  E(22, PIPELINE, "hop processing failed") \
  E(23, MODEL_FLASH, "writing the model to the flash region failed")

/* ---- device parameters ----------------------------------------------------------------------- */
/* P(id, NAME, "name", kind): kind i (int32) or f (float32). The recognition.* names are the model
 * metadata keys (docs/metadata.md): the model sets them, the host may override them. */
#define HARK_PARAMS(P) \
  P(1, RECOGNITION_AVERAGE_WINDOW_MS, "recognition.average_window_ms", i) \
  P(2, RECOGNITION_DETECTION_THRESHOLD, "recognition.detection_threshold", f) \
  P(3, RECOGNITION_SUPPRESSION_MS, "recognition.suppression_ms", i) \
  P(4, RECOGNITION_MINIMUM_COUNT, "recognition.minimum_count", i) \
  P(5, REPORT_SCORES_EVERY_HOPS, "report.scores_every_hops", i) \
  P(6, REPORT_COUNTS_EVERY_HOPS, "report.counts_every_hops", i) \
  P(7, AUDIO_LOOPBACK, "audio.loopback", i) \
  P(8, DEBUG_CHUNK_LOAD, "debug.chunk_load", i) \
  P(9, DEBUG_STALL, "debug.stall", i) \
  P(10, AUDIO_SOURCE, "audio.source", i) \
  P(11, MODEL_STORE, "model.store", i)

/* audio.loopback: echo chunks as AUDIO_ECHO. debug.chunk_load: busy-loop iterations after every audio
 * chunk; debug.stall: busy-loop iterations after the next chunk only, cut short as soon as the
 * receive buffer overruns. Both stand in for a slow pipeline in flow-control tests.
 * audio.source: 1 while the board's microphone feeds the pipeline (from boot, on a board with one), 0 for
 * serial audio; AUDIO_START sets 0, setting 1 restarts listening (NOT_AVAILABLE without a microphone).
 * model.store: where the next MODEL_BEGIN stores the model, 0 the RAM upload buffer, 1 the board's model
 * flash region (NOT_AVAILABLE without one; IDENTITY.flash_capacity gives its size). */

/* ---- C declarations generated from the tables ------------------------------------------------ */
#define HARK__MSG_ENUM(id, NAME, dir) HARK_MSG_##NAME = (id),
typedef enum { HARK_MESSAGES(HARK__MSG_ENUM) } hark_msg_type_t;
#undef HARK__MSG_ENUM

#define HARK__ERR_ENUM(code, NAME, text) HARK_ERR_##NAME = (code),
typedef enum { HARK_ERR_NONE = 0, HARK_ERRORS(HARK__ERR_ENUM) } hark_err_t;
#undef HARK__ERR_ENUM

#define HARK__PARAM_ENUM(id, NAME, name, kind) HARK_PARAM_##NAME = (id),
typedef enum { HARK_PARAMS(HARK__PARAM_ENUM) } hark_param_id_t;
#undef HARK__PARAM_ENUM

/* The meaning of an error code, or "unknown error". */
const char *hark_err_text(int code);

/* ---- CRC and frames -------------------------------------------------------------------------- */
#define HARK_CRC32_INIT 0xFFFFFFFFu
/* Running CRC: crc = update(INIT, ...) over the pieces, then final(crc). */
uint32_t hark_crc32_update(uint32_t crc, const uint8_t *data, size_t len);
uint32_t hark_crc32_final(uint32_t crc);
uint32_t hark_crc32(const uint8_t *data, size_t len);

/* Encodes one whole frame, delimiters included, into out. Returns its length, or 0 if len exceeds
 * HARK_PROTO_MAX_PAYLOAD or cap is too small (HARK_PROTO_MAX_ENCODED always suffices). */
size_t hark_frame_encode(uint8_t *out, size_t cap, uint8_t type, uint8_t seq, const uint8_t *payload, uint16_t len);

typedef struct {
  uint8_t type;
  uint8_t seq;
  uint16_t len;
  const uint8_t *payload; /* inside the parser: valid until its next push */
} hark_frame_t;

typedef struct {
  uint32_t frames;    /* good frames delivered */
  uint32_t errors;    /* frames dropped, one per error returned */
  uint32_t bytes;     /* bytes pushed */
} hark_parser_stats_t;

/* The device-side incremental parser: bytes in, whole checked frames out. Memory is fixed (one
 * decoded frame); it never reads outside it, and it resynchronises at every delimiter. */
typedef struct {
  uint8_t buf[HARK_PROTO_MAX_FRAME];
  uint16_t len;         /* decoded bytes of the current frame */
  uint16_t expect;      /* decoded size the header announced, 0 before the header is complete */
  uint8_t block_left;   /* COBS: data bytes left in the current block */
  uint8_t zero_pending; /* COBS: the current block ends with an encoded zero */
  uint8_t in_frame;     /* bytes seen since the last delimiter */
  uint8_t discarding;   /* an error was returned: skip to the next delimiter */
  hark_parser_stats_t stats;
} hark_parser_t;

#define HARK_PARSE_NONE 0
#define HARK_PARSE_FRAME (-1)

void hark_parser_init(hark_parser_t *p);
/* Consumes one byte. Returns HARK_PARSE_NONE (need more), HARK_PARSE_FRAME (*frame is set) or a
 * hark_err_t FRAME_* code: the frame in progress was dropped, and the parser skips to the next
 * delimiter. Each bad frame yields exactly one error. */
int hark_parser_push(hark_parser_t *p, uint8_t byte, hark_frame_t *frame);

/* Unpacks an AUDIO_PACKED payload's samples into out[0..count). Returns 0, or -1 if the fields are
 * out of range, the bits run out, or a sample leaves the int16 range. Bounds-checked throughout. */
#define HARK_PROTO_PACKED_MAX_ORDER 2
#define HARK_PROTO_PACKED_MAX_RICE_K 20
int hark_audio_unpack(const uint8_t *bits, uint16_t nbytes, uint8_t order, uint8_t rice_k, int16_t *out,
                      uint16_t count);

/* ---- payload layouts as C structs, with pack and unpack ------------------------------------- */
typedef struct {
  const uint8_t *ptr;
  uint8_t len;
} hark_s8_t;

typedef struct {
  const uint8_t *ptr;
  uint16_t len; /* in bytes */
} hark_tail_t;

/* A NUL-terminated string as an s8 field (cut at 255 bytes). */
hark_s8_t hark_s8(const char *text);
hark_tail_t hark_tail_str(const char *text);

typedef uint8_t hark_ctype_u8;
typedef uint16_t hark_ctype_u16;
typedef uint32_t hark_ctype_u32;
typedef int8_t hark_ctype_i8;
typedef int16_t hark_ctype_i16;
typedef int32_t hark_ctype_i32;
typedef float hark_ctype_f32;
typedef hark_s8_t hark_ctype_s8;

#define HARK_TAIL_ELEM_bytes 1
#define HARK_TAIL_ELEM_str 1
#define HARK_TAIL_ELEM_i8s 1
#define HARK_TAIL_ELEM_i16s 2
#define HARK_TAIL_ELEM_u32s 4

typedef struct {
  uint8_t *buf;
  uint16_t cap;
  uint16_t len;
  uint8_t overflow;
} hark_writer_t;

typedef struct {
  const uint8_t *buf;
  uint16_t len;
  uint16_t pos;
  uint8_t error;
} hark_reader_t;

void hark_put_u8(hark_writer_t *w, uint8_t v);
void hark_put_u16(hark_writer_t *w, uint16_t v);
void hark_put_u32(hark_writer_t *w, uint32_t v);
void hark_put_i8(hark_writer_t *w, int8_t v);
void hark_put_i16(hark_writer_t *w, int16_t v);
void hark_put_i32(hark_writer_t *w, int32_t v);
void hark_put_f32(hark_writer_t *w, float v);
void hark_put_s8(hark_writer_t *w, hark_s8_t v);
void hark_put_tail(hark_writer_t *w, hark_tail_t v);
uint8_t hark_get_u8(hark_reader_t *r);
uint16_t hark_get_u16(hark_reader_t *r);
uint32_t hark_get_u32(hark_reader_t *r);
int8_t hark_get_i8(hark_reader_t *r);
int16_t hark_get_i16(hark_reader_t *r);
int32_t hark_get_i32(hark_reader_t *r);
float hark_get_f32(hark_reader_t *r);
hark_s8_t hark_get_s8(hark_reader_t *r);
hark_tail_t hark_get_tail(hark_reader_t *r, uint16_t elem_size);

/* hark_msg_<NAME>_t holds a message's fields; none_ only keeps field-less structs legal C. */
#define HARK__DECL_F(type, name) hark_ctype_##type name;
#define HARK__DECL_T(kind, name) hark_tail_t name;
#define HARK__STRUCT(id, NAME, dir) \
  typedef struct { HARK_FIELDS_##NAME(HARK__DECL_F, HARK__DECL_T) uint8_t none_; } hark_msg_##NAME##_t;
HARK_MESSAGES(HARK__STRUCT)

/* hark_pack_<NAME>(buf, cap, &msg): payload length, or -1 if it does not fit in cap.
 * hark_unpack_<NAME>(payload, len, &msg): 0, or -1 if the payload does not match the layout
 * (short, trailing bytes, or a tail that is not a whole number of elements). */
#define HARK__PUT_F(type, name) hark_put_##type(&w, m->name);
#define HARK__PUT_T(kind, name) hark_put_tail(&w, m->name);
#define HARK__GET_F(type, name) m->name = hark_get_##type(&r);
#define HARK__GET_T(kind, name) m->name = hark_get_tail(&r, HARK_TAIL_ELEM_##kind);
#define HARK__CODEC(id, NAME, dir)                                                                     \
  static inline int32_t hark_pack_##NAME(uint8_t *buf, uint16_t cap, const hark_msg_##NAME##_t *m) {   \
    hark_writer_t w = {buf, cap, 0, 0};                                                                \
    (void)m;                                                                                           \
    HARK_FIELDS_##NAME(HARK__PUT_F, HARK__PUT_T) return w.overflow ? -1 : (int32_t)w.len;              \
  }                                                                                                    \
  static inline int hark_unpack_##NAME(const uint8_t *buf, uint16_t len, hark_msg_##NAME##_t *m) {     \
    hark_reader_t r = {buf, len, 0, 0};                                                                \
    *m = (hark_msg_##NAME##_t){0};                                                                     \
    HARK_FIELDS_##NAME(HARK__GET_F, HARK__GET_T) return (r.error || r.pos != r.len) ? -1 : 0;          \
  }
HARK_MESSAGES(HARK__CODEC)

#endif

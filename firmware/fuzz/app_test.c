/* The app's answers to hostile sessions (issue 17), on the real dispatcher built for the host board:
 * an upload over the running model stops it (no profile or hop runs from half-written bytes), models
 * beyond the app's limits (ops, hop) are refused at MODEL_SWITCH with a message naming the limit, a
 * failed or partial upload leaves no model, audio without a model is reported, never dropped silently,
 * and a recognition window that would overflow is a value error. Uploads to the model flash region (issue
 * 12) follow the same rules on the host board's simulated NOR flash, whose faults are injected here: a
 * failed write ends the upload with a message naming it, and nothing half-written is ever switched in. A
 * host microphone with injected overruns checks that lost microphone blocks are reported.
 * Inputs: firmware/fuzz/corpus and regress (HARK_FUZZ_DIR). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_host.h"
#include "audio_in.h"
#include "board_host.h"
#include "model_store.h"
#include "ram_flash.h"

static int failures;
#define CHECK(cond, ...)                                   \
  do {                                                     \
    if (!(cond)) {                                         \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                        \
      fprintf(stderr, "\n");                               \
      failures++;                                          \
    }                                                      \
  } while (0)

typedef struct {
  uint8_t type, seq;
  uint16_t code;
  char text[160];
  uint32_t model_size, flash_capacity, param_value;
} reply_t;

static reply_t replies[256];
static unsigned n_replies;
static uint8_t stream_buf[1u << 20];
static uint8_t payload[HARK_PROTO_MAX_PAYLOAD];
static uint8_t file_buf[256u * 1024u];

static void collect(void *user, const hark_frame_t *f) {
  (void)user;
  if (n_replies >= sizeof replies / sizeof replies[0]) return;
  reply_t *r = &replies[n_replies++];
  memset(r, 0, sizeof *r);
  r->type = f->type;
  r->seq = f->seq;
  if (f->type == HARK_MSG_ERROR) {
    hark_msg_ERROR_t e;
    if (hark_unpack_ERROR(f->payload, f->len, &e) == 0) {
      r->code = e.code;
      size_t n = e.text.len < sizeof r->text - 1 ? e.text.len : sizeof r->text - 1;
      memcpy(r->text, e.text.ptr, n);
    }
  } else if (f->type == HARK_MSG_IDENTITY) {
    hark_msg_IDENTITY_t m;
    if (hark_unpack_IDENTITY(f->payload, f->len, &m) == 0) {
      r->model_size = m.model_size;
      r->flash_capacity = m.flash_capacity;
    }
  } else if (f->type == HARK_MSG_PARAM) {
    hark_msg_PARAM_t m;
    if (hark_unpack_PARAM(f->payload, f->len, &m) == 0) r->param_value = m.value;
  }
}

static const reply_t *reply_to(uint8_t seq, uint8_t type) {
  for (unsigned i = 0; i < n_replies; i++)
    if (replies[i].seq == seq && (!type || replies[i].type == type)) return &replies[i];
  return NULL;
}

static size_t load(const char *rel) {
  char path[1024];
  const char *dir = getenv("HARK_FUZZ_DIR");
  snprintf(path, sizeof path, "%s/%s", dir ? dir : "firmware/fuzz", rel);
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "FAIL: cannot open %s\n", path);
    exit(1);
  }
  size_t n = fread(file_buf, 1, sizeof file_buf, f);
  fclose(f);
  return n;
}

#define PUT(s, NAME, seq, msg) app_stream_frame((s), HARK_MSG_##NAME, (seq), payload, hark_pack_##NAME(payload, sizeof payload, (msg)))

/* MODEL_BEGIN (seq), chunks (seq + 1), COMMIT (seq + 2) unless partial. */
static void upload(app_stream_t *s, const uint8_t *model, uint32_t len, uint8_t seq, int partial) {
  hark_msg_MODEL_BEGIN_t b = {.size = len, .crc32 = hark_crc32(model, len)};
  PUT(s, MODEL_BEGIN, seq, &b);
  uint32_t end = partial ? len / 2u : len;
  for (uint32_t off = 0; off < end; off += 512u) {
    uint32_t n = end - off < 512u ? end - off : 512u;
    hark_msg_MODEL_CHUNK_t c = {.offset = off, .data = {model + off, (uint16_t)n}};
    PUT(s, MODEL_CHUNK, (uint8_t)(seq + 1), &c);
  }
  if (!partial) app_stream_frame(s, HARK_MSG_MODEL_COMMIT, (uint8_t)(seq + 2), 0, 0);
}

static void audio(app_stream_t *s, uint8_t seq, uint32_t first, uint16_t count) {
  static int16_t samples[480];
  for (uint16_t i = 0; i < 480; i++) samples[i] = (int16_t)(i * 37);
  hark_msg_AUDIO_CHUNK_t m = {.first_sample = first, .samples = {(const uint8_t *)samples, (uint16_t)(count * 2u)}};
  PUT(s, AUDIO_CHUNK, seq, &m);
}

static void run(app_stream_t *s) {
  n_replies = 0;
  app_host_run(s->buf, s->len, collect, NULL);
}

static void expect_error(uint8_t seq, uint16_t code, const char *words, const char *what) {
  const reply_t *r = reply_to(seq, HARK_MSG_ERROR);
  CHECK(r && r->code == code, "%s: expected error %u, got %s %u", what, (unsigned)code, r ? "error" : "no error",
        r ? (unsigned)r->code : 0u);
  if (r && words) CHECK(strstr(r->text, words) != NULL, "%s: error text '%s' lacks '%s'", what, r->text, words);
}

static void test_upload_stops_the_running_model(void) {
  static uint8_t a[64 * 1024];
  size_t na = load("corpus/kws/window_fc.tflite");
  memcpy(a, file_buf, na);
  size_t nb = load("regress/app/ops_30.tflite");
  app_stream_t s = {stream_buf, sizeof stream_buf, 0};
  upload(&s, a, (uint32_t)na, 1, 0);
  app_stream_frame(&s, HARK_MSG_MODEL_SWITCH, 10, 0, 0);
  app_stream_frame(&s, HARK_MSG_AUDIO_START, 11, 0, 0);
  audio(&s, 12, 0, 320);
  app_stream_frame(&s, HARK_MSG_IDENTITY_GET, 13, 0, 0);
  upload(&s, file_buf, (uint32_t)nb, 20, 1); /* a partial upload of another model */
  app_stream_frame(&s, HARK_MSG_PROFILE_REQUEST, 30, 0, 0);
  audio(&s, 31, 320, 320);
  app_stream_frame(&s, HARK_MSG_IDENTITY_GET, 32, 0, 0);
  app_stream_frame(&s, HARK_MSG_MODEL_SWITCH, 33, 0, 0);
  run(&s);
  CHECK(reply_to(10, HARK_MSG_ACK), "the first model switches in");
  const reply_t *id = reply_to(13, HARK_MSG_IDENTITY);
  CHECK(id && id->model_size == na, "the first model runs (model_size %u)", id ? id->model_size : 0);
  expect_error(30, HARK_ERR_MODEL_INVALID, NULL, "profile after MODEL_BEGIN");
  expect_error(HARK_PROTO_SEQ_ASYNC, HARK_ERR_MODEL_INVALID, "samples dropped", "audio after MODEL_BEGIN");
  id = reply_to(32, HARK_MSG_IDENTITY);
  CHECK(id && id->model_size == 0, "no model after a partial upload (model_size %u)", id ? id->model_size : 0);
  expect_error(33, HARK_ERR_MODEL_INVALID, NULL, "switch after a partial upload");
}

static void test_switch_refuses(const char *file, uint16_t code, const char *words) {
  size_t n = load(file);
  app_stream_t s = {stream_buf, sizeof stream_buf, 0};
  upload(&s, file_buf, (uint32_t)n, 1, 0);
  app_stream_frame(&s, HARK_MSG_MODEL_SWITCH, 10, 0, 0);
  app_stream_frame(&s, HARK_MSG_PROFILE_REQUEST, 11, 0, 0);
  app_stream_frame(&s, HARK_MSG_AUDIO_START, 12, 0, 0);
  run(&s);
  CHECK(reply_to(3, HARK_MSG_MODEL_STATUS), "%s: the upload verifies", file);
  expect_error(10, code, words, file);
  expect_error(11, HARK_ERR_MODEL_INVALID, NULL, file);   /* no model: no profile */
  expect_error(12, HARK_ERR_MODEL_INVALID, NULL, file);   /* no model: no audio */
}

/* Parameters from the serial line are bounded like the metadata's: a recognition window that would
 * overflow the history sizing, and debug busy loops that would hang the device. */
static void test_parameter_bounds(void) {
  size_t n = load("corpus/kws/window_fc.tflite");
  app_stream_t s = {stream_buf, sizeof stream_buf, 0};
  upload(&s, file_buf, (uint32_t)n, 1, 0);
  app_stream_frame(&s, HARK_MSG_MODEL_SWITCH, 10, 0, 0);
  hark_msg_PARAM_SET_t m = {.param = HARK_PARAM_RECOGNITION_AVERAGE_WINDOW_MS, .value = 1u << 30};
  PUT(&s, PARAM_SET, 11, &m);
  m = (hark_msg_PARAM_SET_t){.param = HARK_PARAM_RECOGNITION_AVERAGE_WINDOW_MS, .value = 800};
  PUT(&s, PARAM_SET, 12, &m);
  m = (hark_msg_PARAM_SET_t){.param = HARK_PARAM_DEBUG_CHUNK_LOAD, .value = 2000000000u};
  PUT(&s, PARAM_SET, 13, &m);
  run(&s);
  expect_error(11, HARK_ERR_BAD_VALUE, NULL, "average_window_ms 2^30 over serial");
  CHECK(reply_to(12, HARK_MSG_PARAM) != NULL, "average_window_ms 800 is accepted");
  expect_error(13, HARK_ERR_BAD_VALUE, NULL, "debug.chunk_load above its bound");
}

static void set_store(app_stream_t *s, uint8_t seq, uint32_t target) {
  hark_msg_PARAM_SET_t m = {.param = HARK_PARAM_MODEL_STORE, .value = target};
  PUT(s, PARAM_SET, seq, &m);
}

/* A model uploaded into the flash region runs from there, in place, bit for bit what was sent; the
 * 500-byte chunks are no multiple of the 8-byte program unit, so units straddle chunks. */
static void test_flash_upload_runs_in_place(void) {
  size_t n = load("corpus/kws/window_fc.tflite");
  ram_flash_t *flash = host_board_flash();
  app_stream_t s = {stream_buf, sizeof stream_buf, 0};
  set_store(&s, 1, 1);
  hark_msg_MODEL_BEGIN_t big = {.size = HOST_FLASH_BYTES + 1u, .crc32 = 0};
  PUT(&s, MODEL_BEGIN, 2, &big);
  upload(&s, file_buf, (uint32_t)n, 3, 0);
  app_stream_frame(&s, HARK_MSG_MODEL_SWITCH, 10, 0, 0);
  app_stream_frame(&s, HARK_MSG_PROFILE_REQUEST, 11, 0, 0);
  app_stream_frame(&s, HARK_MSG_IDENTITY_GET, 12, 0, 0);
  set_store(&s, 13, 2);
  run(&s);
  const reply_t *p = reply_to(1, HARK_MSG_PARAM);
  CHECK(p && p->param_value == 1, "model.store = 1 is accepted");
  expect_error(2, HARK_ERR_MODEL_TOO_LARGE, "flash region capacity 65536", "a model over the flash region");
  CHECK(reply_to(5, HARK_MSG_MODEL_STATUS), "the flash upload verifies");
  CHECK(reply_to(10, HARK_MSG_ACK), "the flash model switches in");
  CHECK(reply_to(11, HARK_MSG_PROFILE_OPS), "the flash model profiles");
  const reply_t *id = reply_to(12, HARK_MSG_IDENTITY);
  CHECK(id && id->model_size == n && id->flash_capacity == HOST_FLASH_BYTES, "IDENTITY: model %u, flash %u",
        id ? id->model_size : 0u, id ? id->flash_capacity : 0u);
  CHECK(memcmp(flash->mem, file_buf, n) == 0, "the region holds the model");
  CHECK(flash->mem[n] == 0xFF, "past the model the region stays erased");
  expect_error(13, HARK_ERR_BAD_VALUE, NULL, "model.store = 2");
}

/* A write that fails mid-chunk (fault injected in the simulated flash) ends the upload with the cause
 * and the offset; the model running from RAM keeps running, and nothing is switched in. */
static void test_flash_write_failure_keeps_the_previous_model(board_flash_status_t fault, const char *words) {
  static uint8_t a[64 * 1024];
  size_t na = load("corpus/kws/window_fc.tflite");
  memcpy(a, file_buf, na);
  size_t nb = load("corpus/kws/window_every2.tflite");
  ram_flash_t *flash = host_board_flash();
  app_stream_t s = {stream_buf, sizeof stream_buf, 0};
  upload(&s, a, (uint32_t)na, 1, 0); /* into RAM */
  app_stream_frame(&s, HARK_MSG_MODEL_SWITCH, 10, 0, 0);
  set_store(&s, 11, 1);
  upload(&s, file_buf, (uint32_t)nb, 20, 0); /* into flash: its 3rd write fails */
  app_stream_frame(&s, HARK_MSG_MODEL_SWITCH, 30, 0, 0);
  app_stream_frame(&s, HARK_MSG_IDENTITY_GET, 31, 0, 0);
  flash->fail_after = 3;
  flash->fail_status = fault;
  run(&s);
  flash->fail_after = 0;
  expect_error(21, HARK_ERR_MODEL_FLASH, words, "a failed flash write");
  expect_error(22, HARK_ERR_MODEL_SEQUENCE, NULL, "commit after a failed flash write");
  expect_error(30, HARK_ERR_MODEL_INVALID, NULL, "switch after a failed flash write");
  const reply_t *id = reply_to(31, HARK_MSG_IDENTITY);
  CHECK(id && id->model_size == na, "the RAM model still runs (model_size %u)", id ? id->model_size : 0u);
}

/* A new flash upload erases the region, so the model running from it stops first; a partial upload then
 * leaves no model. */
static void test_flash_upload_over_the_flash_model(void) {
  size_t n = load("corpus/kws/window_fc.tflite");
  app_stream_t s = {stream_buf, sizeof stream_buf, 0};
  set_store(&s, 1, 1);
  upload(&s, file_buf, (uint32_t)n, 2, 0);
  app_stream_frame(&s, HARK_MSG_MODEL_SWITCH, 10, 0, 0);
  upload(&s, file_buf, (uint32_t)n, 20, 1);
  app_stream_frame(&s, HARK_MSG_IDENTITY_GET, 30, 0, 0);
  app_stream_frame(&s, HARK_MSG_MODEL_SWITCH, 31, 0, 0);
  run(&s);
  CHECK(reply_to(10, HARK_MSG_ACK), "the flash model switches in");
  const reply_t *id = reply_to(30, HARK_MSG_IDENTITY);
  CHECK(id && id->model_size == 0, "no model after a partial flash upload (model_size %u)", id ? id->model_size : 0u);
  expect_error(31, HARK_ERR_MODEL_INVALID, NULL, "switch after a partial flash upload");
}

/* The microphone path (issue 12): a board with a microphone listens from boot once a model runs, every block
 * goes through a hop, and blocks the board lost (its overrun count growing) are reported, never silent. */
static void test_microphone_overruns_are_reported(void) {
  static int16_t samples[10u * AUDIO_IN_BLOCK_SAMPLES];
  for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) samples[i] = (int16_t)((i * 2654435761u) >> 20);
  size_t n = load("corpus/kws/window_fc.tflite");
  app_stream_t s = {stream_buf, sizeof stream_buf, 0};
  upload(&s, file_buf, (uint32_t)n, 1, 0);
  app_stream_frame(&s, HARK_MSG_MODEL_SWITCH, 10, 0, 0);
  hark_msg_PARAM_SET_t m = {.param = HARK_PARAM_REPORT_COUNTS_EVERY_HOPS, .value = 1};
  PUT(&s, PARAM_SET, 11, &m);
  host_board_set_microphone(samples, sizeof samples / sizeof samples[0], 3, 2);
  run(&s);
  host_board_set_microphone(NULL, 0, 0, 0);
  unsigned hops = 0;
  for (unsigned i = 0; i < n_replies; i++) hops += replies[i].type == HARK_MSG_HOP_COUNTS;
  CHECK(hops == 10, "every microphone block is a hop: %u of 10", hops);
  expect_error(HARK_PROTO_SEQ_ASYNC, HARK_ERR_AUDIO_OVERRUN, "microphone: 2 blocks lost", "microphone overrun");
}

/* The store's own checks, below the dispatcher: the simulated flash refuses to program a unit that was not
 * erased (as NOR flash does), and a commit CRCs the bytes read back from the region, so a bit that flipped
 * after programming is caught even though every byte arrived intact. */
static void test_flash_store_checks(void) {
  static const uint8_t data[37] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};
  ram_flash_t *flash = host_board_flash();
  board_init();
  model_store_init();
  CHECK(board_model_flash_program(0, data, 8) == BOARD_FLASH_NOT_ERASED, "programming unerased flash fails");
  CHECK(board_model_flash_program(4, data, 8) == BOARD_FLASH_RANGE, "a misaligned program is refused");
  CHECK(board_model_flash_erase(HOST_FLASH_BYTES - 4u, 8) == BOARD_FLASH_RANGE, "an erase past the region");
  CHECK(model_store_set_target(MODEL_STORE_FLASH) == 0, "flash target");
  CHECK(model_store_begin(sizeof data, hark_crc32(data, sizeof data)) == 0, "begin");
  CHECK(flash->mem[0] == 0xFF && flash->mem[HOST_FLASH_SECTOR_BYTES - 1u] == 0xFF &&
            flash->mem[HOST_FLASH_SECTOR_BYTES] == 0x00, "begin erases only the sectors the model needs");
  CHECK(model_store_chunk(0, data, 13) == 0 && model_store_chunk(13, data + 13, 24) == 0, "chunks");
  flash->mem[17] ^= 0x10;
  CHECK(model_store_commit() == HARK_ERR_MODEL_CRC && strstr(model_store_detail(), "reads back"),
        "a flipped bit is caught at commit: '%s'", model_store_detail());
  CHECK(model_store_data() == NULL, "nothing to switch to");
  CHECK(model_store_begin(sizeof data, hark_crc32(data, sizeof data)) == 0 && model_store_chunk(0, data, 37) == 0 &&
            model_store_commit() == 0 && model_store_data() == flash->mem, "a clean upload verifies in place");
  CHECK(memcmp(flash->mem, data, 37) == 0 && flash->mem[37] == 0xFF && flash->mem[39] == 0xFF,
        "the last unit is padded with the erased value");
}

int main(void) {
  test_upload_stops_the_running_model();
  test_flash_upload_runs_in_place();
  test_flash_write_failure_keeps_the_previous_model(BOARD_FLASH_FAILED, "program at offset");
  test_flash_write_failure_keeps_the_previous_model(BOARD_FLASH_TIMEOUT, "timeout");
  test_flash_upload_over_the_flash_model();
  test_flash_store_checks();
  test_microphone_overruns_are_reported();
  test_parameter_bounds();
  test_switch_refuses("regress/app/ops_30.tflite", HARK_ERR_MODEL_UNSUPPORTED, "33 operators, this app holds at most 24");
  test_switch_refuses("regress/app/hop_1440.tflite", HARK_ERR_MODEL_UNSUPPORTED, "1440 hop samples");
  test_switch_refuses("regress/kws/average_window_2p30.tflite", HARK_ERR_BAD_VALUE, "average_window_ms");
  test_switch_refuses("regress/kws/metadata_offset_wrap.tflite", HARK_ERR_MODEL_INVALID, "rejected");
  if (failures) fprintf(stderr, "%d failures\n", failures);
  else printf("app_test: ok\n");
  return failures != 0;
}

/* The app's per-hop pipeline: the board-independent kws module (firmware/kws) on a static arena, with
 * the board's counter for per-stage counts. The model is the one built in (HARK_APP_MODEL at build
 * time) until a model uploaded over serial replaces it. */
#include "pipeline.h"

#include <string.h>

#include "board.h"
#include "fmt.h"
#include "kws.h"
#ifdef HARK_APP_DEFAULT_MODEL
#include "default_model.h"  /* generated: default_model[], default_model_len */
#endif

#ifndef HARK_ARENA_BYTES
#error "HARK_ARENA_BYTES comes from firmware/CMakeLists.txt"
#endif

static kws_t kws;
static int active;
static uint8_t arena[HARK_ARENA_BYTES] __attribute__((aligned(16)));

#ifdef HARK_APP_OPS /* generated from HARK_APP_OPS_MODELS: only their kernels are linked */
extern const runtime_ops_t HARK_APP_OPS;
#define APP_OPS (&HARK_APP_OPS)
#else
#define APP_OPS (&runtime_all_ops)
#endif
static char model_name[48], model_hash[24], label_name[48];
static char error_text[128];
static uint32_t model_size;
static const kws_clock_t board_clock = {board_counter, board_counter_elapsed};

static void copy_str(char *dst, size_t cap, const char *src, size_t len) {
  if (len >= cap) len = cap - 1u;
  memcpy(dst, src, len);
  dst[len] = '\0';
}

static int to_hark_err(int kws_rc) {
  switch (kws_rc) {
    case KWS_OK: return 0;
    case KWS_E_METADATA: return HARK_ERR_MODEL_METADATA;
    case KWS_E_UNSUPPORTED: return HARK_ERR_MODEL_UNSUPPORTED;
    case KWS_E_ARENA: return HARK_ERR_ARENA_TOO_SMALL;
    case KWS_E_VALUE: return HARK_ERR_BAD_VALUE;
    case KWS_E_EVAL: return HARK_ERR_PIPELINE;
    default: return HARK_ERR_MODEL_INVALID;
  }
}

/* The app's fixed buffers (the hop, the profile counts) bound what a model may need: checked when it is
 * switched in, so a hop is never dropped and a profile never reads past its counts. */
static int check_limits(void) {
  uint32_t hop = kws_hop_samples(&kws), ops = runtime_op_count(&kws.rt);
  const char *what = hop > PIPELINE_MAX_HOP_SAMPLES ? "hop samples" : ops > PIPELINE_MAX_OPS ? "operators" : NULL;
  if (!what) return 0;
  uint32_t have = hop > PIPELINE_MAX_HOP_SAMPLES ? hop : ops;
  uint32_t limit = hop > PIPELINE_MAX_HOP_SAMPLES ? PIPELINE_MAX_HOP_SAMPLES : PIPELINE_MAX_OPS;
  size_t p = fmt_str(error_text, 0, sizeof error_text, "the model has ");
  p = fmt_u32(error_text, p, sizeof error_text, have);
  p = fmt_str(error_text, p, sizeof error_text, " ");
  p = fmt_str(error_text, p, sizeof error_text, what);
  p = fmt_str(error_text, p, sizeof error_text, ", this app holds at most ");
  fmt_u32(error_text, p, sizeof error_text, limit);
  return HARK_ERR_MODEL_UNSUPPORTED;
}

void pipeline_stop_if_in(const uint8_t *begin, uint32_t size) {
  if (!active || kws.model.data < begin || kws.model.data >= begin + size) return;
  active = 0;
  model_size = 0;
  model_name[0] = model_hash[0] = '\0';
  const char *why = "stopped: a new upload overwrites the model";
  copy_str(error_text, sizeof error_text, why, strlen(why));
}

uint32_t pipeline_hop_samples(void) { return active ? kws_hop_samples(&kws) : 0u; }

int pipeline_hop(const int16_t *samples, pipeline_hop_t *out) {
  if (!active || kws_is_bare(&kws)) return HARK_ERR_MODEL_METADATA;
  kws_hop_t h;
  int rc = kws_hop(&kws, samples, &h);
  if (rc) return to_hark_err(rc);
  *out = (pipeline_hop_t){
      .time_ms = h.time_ms,
      .frontend = h.frontend,
      .inference = h.inference,
      .recognize = h.recognize,
      .invoked = h.invoked,
      .scores = h.scores,
      .score_count = h.score_count,
      .detected = h.detected,
      .label = (uint8_t)(h.label < 0 ? 0 : h.label),
      .score = (int16_t)h.score,
      .label_name = "",
  };
  if (h.label >= 0) {
    const char *name;
    int32_t len = kws_label(&kws, (uint32_t)h.label, &name);
    if (len >= 0) copy_str(label_name, sizeof label_name, name, (size_t)len);
    out->label_name = label_name;
  }
  return 0;
}

void pipeline_reset(void) {
  if (active) kws_reset(&kws);
}

int pipeline_switch_model(const uint8_t *model, uint32_t size) {
  active = 0;
  model_size = 0;
  model_name[0] = model_hash[0] = '\0';
  int rc = kws_init(&kws, model, size, APP_OPS, arena, sizeof arena, &board_clock);
  copy_str(error_text, sizeof error_text, kws_error(&kws), strlen(kws_error(&kws)));
  if (rc) return to_hark_err(rc);
  if ((rc = check_limits())) return rc;
  active = 1;
  model_size = size;
  copy_str(model_name, sizeof model_name, kws.name, kws.name_len);
  copy_str(model_hash, sizeof model_hash, kws.hash, kws.hash_len);
  return 0;
}

const char *pipeline_error(void) { return error_text; }

int pipeline_is_bare(void) { return active && kws_is_bare(&kws); }

int pipeline_profile(uint32_t *counts, uint16_t capacity, uint16_t *ops, uint32_t *total) {
  if (!active) return HARK_ERR_MODEL_INVALID;
  int rc = kws_profile(&kws, counts, capacity, ops, total);
  copy_str(error_text, sizeof error_text, kws_error(&kws), strlen(kws_error(&kws)));
  return to_hark_err(rc);
}

int pipeline_get_recognition(pipeline_recognition_t *out) {
  if (!active || kws_is_bare(&kws)) return HARK_ERR_MODEL_METADATA;
  kws_recognition_t r;
  kws_get_recognition(&kws, &r);
  *out = (pipeline_recognition_t){r.average_window_ms, r.detection_threshold, r.suppression_ms, r.minimum_count};
  return 0;
}

int pipeline_set_recognition(const pipeline_recognition_t *p) {
  if (!active || kws_is_bare(&kws)) return HARK_ERR_MODEL_METADATA;
  kws_recognition_t r = {p->average_window_ms, p->detection_threshold, p->suppression_ms, p->minimum_count};
  return to_hark_err(kws_set_recognition(&kws, &r));
}

void pipeline_init(void) {
  active = 0; /* a host harness calls main() again for each input */
#ifdef HARK_APP_DEFAULT_MODEL
  (void)pipeline_switch_model(default_model, default_model_len);
#endif
}

const char *pipeline_model_name(void) { return model_name; }
const char *pipeline_model_hash(void) { return model_hash; }
uint32_t pipeline_model_size(void) { return model_size; }
uint32_t pipeline_arena_size(void) { return (uint32_t)sizeof arena; }
uint32_t pipeline_arena_used(void) { return active ? (uint32_t)kws_arena_used(&kws) : 0u; }

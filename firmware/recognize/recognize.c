/* RecognizeCommands over a ring of past results. The order of steps follows TFLM's micro_speech
 * (push, prune, bail while warming up, average with integer division, first strict maximum from 0,
 * threshold, suppression) so its detections can be compared one for one. */
#include "recognize.h"

#include <string.h>

uint16_t hark_recognize_history_for(int32_t average_window_ms, int32_t hop_ms) {
  if (average_window_ms < 0 || hop_ms <= 0) return 0;
  int64_t n = (int64_t)(average_window_ms / hop_ms) + 2; /* + 2 would overflow int32 for a 1 ms hop */
  return (uint16_t)(n > 65535 ? 65535 : n);
}

size_t hark_recognize_mem_bytes(uint16_t labels, uint16_t capacity) {
  return (size_t)capacity * sizeof(int32_t) + (size_t)capacity * labels * sizeof(int16_t);
}

int hark_recognize_threshold(float threshold, float output_scale, int32_t *out) {
  if (!out || !(output_scale > 0.0f) || !(threshold >= 0.0f) || !(threshold <= 1.0f)) return HARK_RECOGNIZE_EARG;
  float q = threshold / output_scale;
  if (!(q < 2147483520.0f)) return HARK_RECOGNIZE_EARG;
  *out = (int32_t)q; /* truncation is floor here: q >= 0 */
  return HARK_RECOGNIZE_OK;
}

static int config_ok(const hark_recognize_config_t *c, uint16_t labels) {
  return c && c->average_window_ms >= 0 && c->suppression_ms >= 0 && c->minimum_count >= 0 &&
         c->score_zero_point >= -128 && c->score_zero_point <= 255 && c->silence_label >= -1 &&
         c->silence_label < (int32_t)labels;
}

void hark_recognize_reset(hark_recognize_t *r) {
  r->first = 0;
  r->count = 0;
  r->evicted = 0;
  /* TFLM starts as if "silence" had been the last top label, at no time. */
  r->prev_top_label = r->cfg.silence_label;
  r->prev_top_time = 0;
  r->has_prev_time = 0;
}

int hark_recognize_init(hark_recognize_t *r, const hark_recognize_config_t *cfg, uint16_t labels, uint16_t capacity,
                        void *mem, size_t mem_bytes) {
  if (!r || !mem || labels == 0 || capacity == 0 || !config_ok(cfg, labels) || ((uintptr_t)mem & 3u))
    return HARK_RECOGNIZE_EARG;
  if (mem_bytes < hark_recognize_mem_bytes(labels, capacity)) return HARK_RECOGNIZE_EMEM;
  memset(r, 0, sizeof *r);
  r->cfg = *cfg;
  r->labels = labels;
  r->capacity = capacity;
  r->times = (int32_t *)mem;
  r->scores = (int16_t *)(r->times + capacity);
  hark_recognize_reset(r);
  return HARK_RECOGNIZE_OK;
}

int hark_recognize_configure(hark_recognize_t *r, const hark_recognize_config_t *cfg) {
  if (!r || !config_ok(cfg, r->labels)) return HARK_RECOGNIZE_EARG;
  r->cfg = *cfg;
  hark_recognize_reset(r);
  return HARK_RECOGNIZE_OK;
}

static uint16_t slot(const hark_recognize_t *r, uint16_t offset) {
  return r->capacity ? (uint16_t)(((uint32_t)r->first + offset) % r->capacity) : 0u; /* init refuses 0 */
}

/* Makes room for a result and returns its score row. */
static int16_t *push(hark_recognize_t *r, int32_t time_ms) {
  if (r->count == r->capacity) {
    r->first = slot(r, 1);
    r->count--;
    r->evicted++;
  }
  uint16_t s = slot(r, r->count++);
  r->times[s] = time_ms;
  return r->scores + (size_t)s * r->labels;
}

static int process(hark_recognize_t *r, int32_t time_ms, hark_recognize_result_t *out) {
  const hark_recognize_config_t *c = &r->cfg;
  /* Prune results older than the window (the newest always stays). */
  int64_t limit = (int64_t)time_ms - c->average_window_ms;
  while (r->count > 1 && r->times[r->first] < limit) {
    r->first = slot(r, 1);
    r->count--;
  }
  int32_t earliest = r->times[r->first];
  if (r->count < c->minimum_count || (int64_t)time_ms - earliest < c->average_window_ms / 4) {
    out->label = r->prev_top_label;
    out->score = 0;
    out->is_new = 0;
    return HARK_RECOGNIZE_OK;
  }

  int32_t top_label = 0, top_score = 0;
  for (uint16_t l = 0; l < r->labels; l++) {
    int32_t sum = 0;
    for (uint16_t k = 0; k < r->count; k++) sum += r->scores[(size_t)slot(r, k) * r->labels + l];
    int32_t avg = r->count ? sum / (int32_t)r->count : 0; /* count >= 1 here; the guard keeps the analyzer sure */
    if (avg > top_score) {
      top_score = avg;
      top_label = l;
    }
  }

  int64_t since_last;
  if (r->prev_top_label == c->silence_label || !r->has_prev_time) {
    since_last = INT32_MAX;
  } else {
    since_last = (int64_t)time_ms - r->prev_top_time;
  }
  out->is_new = top_score > c->detection_threshold &&
                (top_label != r->prev_top_label || since_last > c->suppression_ms);
  if (out->is_new) {
    r->prev_top_label = top_label;
    r->prev_top_time = time_ms;
    r->has_prev_time = 1;
  }
  out->label = top_label;
  out->score = top_score;
  return HARK_RECOGNIZE_OK;
}

static int check_order(const hark_recognize_t *r, int32_t time_ms) {
  return r->count && time_ms < r->times[slot(r, (uint16_t)(r->count - 1))] ? HARK_RECOGNIZE_EORDER
                                                                          : HARK_RECOGNIZE_OK;
}

int hark_recognize_process_i8(hark_recognize_t *r, const int8_t *scores, int32_t time_ms,
                              hark_recognize_result_t *out) {
  if (!r || !scores || !out) return HARK_RECOGNIZE_EARG;
  if (check_order(r, time_ms)) return HARK_RECOGNIZE_EORDER;
  int16_t *row = push(r, time_ms);
  for (uint16_t l = 0; l < r->labels; l++) row[l] = (int16_t)(scores[l] - r->cfg.score_zero_point);
  return process(r, time_ms, out);
}

int hark_recognize_process_u8(hark_recognize_t *r, const uint8_t *scores, int32_t time_ms,
                              hark_recognize_result_t *out) {
  if (!r || !scores || !out) return HARK_RECOGNIZE_EARG;
  if (check_order(r, time_ms)) return HARK_RECOGNIZE_EORDER;
  int16_t *row = push(r, time_ms);
  for (uint16_t l = 0; l < r->labels; l++) row[l] = (int16_t)(scores[l] - r->cfg.score_zero_point);
  return process(r, time_ms, out);
}

size_t hark_recognize_sizeof(void) { return sizeof(hark_recognize_t); }

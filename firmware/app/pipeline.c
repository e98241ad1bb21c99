/* The pipeline before the frontend, runtime and model metadata reader are wired in: the parameters
 * are kept and validated for real, the stages answer "not available in this firmware build".
 *
 * Wiring plan (the lead's part):
 *  - pipeline_switch_model: read the metadata (hark_meta_*), create the runtime on the arena, set
 *    hop_samples from frontend.window_step_ms and the sample rate, configure the frontend, and
 *    set up hark_recognize from recognition.* (hark_recognize_threshold() with the output scale,
 *    score_zero_point from the output tensor, history from hark_recognize_history_for()).
 *  - pipeline_hop: frontend on the hop, then per stream.mode either one streaming invoke or every
 *    stream.every_hops an invoke on the last stream.window_frames frames, then
 *    hark_recognize_process_i8 on the output; time each stage with board_counter().
 *  - pipeline_profile: one invoke with the runtime's per-op counter hook. */
#include "pipeline.h"

#include <math.h>

static pipeline_recognition_t recognition;

uint32_t pipeline_hop_samples(void) { return 0; }

int pipeline_hop(const int16_t *samples, pipeline_hop_t *out) {
  (void)samples;
  (void)out;
  return HARK_ERR_NOT_AVAILABLE;
}

void pipeline_reset(void) {}

int pipeline_switch_model(const uint8_t *model, uint32_t size) {
  (void)model;
  (void)size;
  return HARK_ERR_NOT_AVAILABLE;
}

int pipeline_profile(uint32_t *counts, uint16_t capacity, uint16_t *ops, uint32_t *total) {
  (void)counts;
  (void)capacity;
  (void)ops;
  (void)total;
  return HARK_ERR_NOT_AVAILABLE;
}

int pipeline_get_recognition(pipeline_recognition_t *out) {
  *out = recognition;
  return 0;
}

int pipeline_set_recognition(const pipeline_recognition_t *p) {
  if (p->average_window_ms < 0 || p->suppression_ms < 0 || p->minimum_count < 0 || !(p->detection_threshold >= 0.0f) ||
      !(p->detection_threshold <= 1.0f))
    return HARK_ERR_BAD_VALUE;
  recognition = *p;
  return 0;
}

const char *pipeline_model_name(void) { return ""; }
const char *pipeline_model_hash(void) { return ""; }
uint32_t pipeline_model_size(void) { return 0; }
uint32_t pipeline_arena_size(void) { return 0; }
uint32_t pipeline_arena_used(void) { return 0; }

/* The per-hop pipeline: audio -> frontend -> model -> RecognizeCommands, and the model it runs.
 *
 * The work is done by the board-independent kws module (firmware/kws), which the host twin runs too;
 * this layer gives it a static arena, the board's counter and the protocol's error codes. */
#ifndef HARK_APP_PIPELINE_H
#define HARK_APP_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "protocol.h"

/* Largest hop (samples) and model (operators) the app's fixed buffers take. */
#define PIPELINE_MAX_HOP_SAMPLES 1024u
#ifndef PIPELINE_MAX_OPS /* a host test build lowers it, so its too-many-ops model stays small */
#define PIPELINE_MAX_OPS 512u
#endif
#define PIPELINE_MAX_LABELS 64u

/* The recognition parameters: from the model metadata (recognition.*), overridable over serial. */
typedef struct {
  int32_t average_window_ms;
  float detection_threshold; /* on the averaged score in [0, 1] */
  int32_t suppression_ms;
  int32_t minimum_count;
} pipeline_recognition_t;

/* What one hop cost and produced. Counts are in board_counter_elapsed() units. */
typedef struct {
  uint32_t time_ms; /* stream time at the end of the hop */
  uint32_t frontend, inference, recognize;
  uint8_t invoked;         /* the model ran this hop (window models run every K hops) */
  const int8_t *scores;    /* the model output when invoked (uint8 outputs shifted by -128) */
  uint16_t score_count;
  uint8_t detected;        /* RecognizeCommands reported a new command */
  uint8_t label;
  int16_t score;           /* its averaged zero-based score */
  const char *label_name;
} pipeline_hop_t;

/* Loads the built-in model, if the image has one. */
void pipeline_init(void);
/* The last model or profiling error in words (e.g. which metadata key is missing). */
const char *pipeline_error(void);
/* 1 if the active model has no `hark` metadata: it can be profiled but not run on audio. */
int pipeline_is_bare(void);

/* Samples per hop of the active model (metadata frontend.window_step_ms x sample rate); 0 when no
 * model is active, and then the app runs no hops. */
uint32_t pipeline_hop_samples(void);
/* Runs one hop; 0 or a hark_err_t. */
int pipeline_hop(const int16_t *samples, pipeline_hop_t *out);
/* Forgets streaming state: frontend noise estimates, model state, recognition history. */
void pipeline_reset(void);

/* Verifies a model (its metadata and its operators) and makes it the active one. The bytes stay
 * where they are (the upload buffer), so they must outlive the model. 0 or a hark_err_t. */
int pipeline_switch_model(const uint8_t *model, uint32_t size);
/* Stops the active model if its bytes lie in [begin, begin + size): an upload is about to overwrite them. */
void pipeline_stop_if_in(const uint8_t *begin, uint32_t size);
/* Runs one invoke with per-operator counting: counts[i] for operator i, *ops operators, *total the
 * whole invoke. 0 or a hark_err_t. */
int pipeline_profile(uint32_t *counts, uint16_t capacity, uint16_t *ops, uint32_t *total);

int pipeline_get_recognition(pipeline_recognition_t *out);
/* Applies new parameters; HARK_ERR_BAD_VALUE if out of range. */
int pipeline_set_recognition(const pipeline_recognition_t *params);

/* For IDENTITY: the active model, "" and 0 without one. */
const char *pipeline_model_name(void);
const char *pipeline_model_hash(void);
uint32_t pipeline_model_size(void);
uint32_t pipeline_arena_size(void);
uint32_t pipeline_arena_used(void);

#endif

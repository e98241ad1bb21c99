/* The keyword-spotting pipeline, one hop at a time: audio -> frontend -> int8 model -> RecognizeCommands.
 *
 * Everything it needs comes from the model: the frontend settings, the feature scale, how to run the
 * model (a sliding window every K hops, or a streaming call per hop with external or internal state)
 * and the recognition parameters all travel in the `.tflite`'s `hark` metadata (docs/metadata.md).
 *
 * It touches no hardware: the board app and the host twin (host/hark/twin.py, through ctypes) run this
 * same code, which is why their scores and detections agree bit for bit. No heap: the frontend tables,
 * the recognition history, the feature window, the streaming state and the runtime's tensors are all
 * carved from one caller-provided arena, and kws_arena_used() reports the total.
 */
#ifndef HARK_KWS_H
#define HARK_KWS_H

#include <stddef.h>
#include <stdint.h>

#include "frontend.h"
#include "modelmeta.h"
#include "recognize.h"
#include "runtime.h"

enum {
  KWS_OK = 0,
  KWS_E_ARG = -1,         /* a NULL pointer or a bad length */
  KWS_E_MODEL = -2,       /* the flatbuffer is corrupt, or its tensors do not fit the metadata */
  KWS_E_METADATA = -3,    /* the `hark` metadata is missing, corrupt or lacks a key */
  KWS_E_UNSUPPORTED = -4, /* an op, type or mode this build cannot run */
  KWS_E_ARENA = -5,       /* the arena is too small */
  KWS_E_EVAL = -6,        /* an invoke failed */
  KWS_E_VALUE = -7,       /* a recognition parameter out of range */
};

typedef enum {
  KWS_MODE_WINDOW = 0,          /* the non-streaming model on the last window_frames frames */
  KWS_MODE_STREAM_EXTERNAL = 1, /* one frame per call; state tensors copied from outputs to inputs */
  KWS_MODE_STREAM_INTERNAL = 2, /* one frame per call; state in the model's resource variables */
} kws_mode_t;

#define KWS_MAX_STATE 32
/* recognition.average_window_ms above this is refused (KWS_E_VALUE): the history is sized from it. */
#define KWS_MAX_AVERAGE_WINDOW_MS 60000
#define KWS_MAX_LABELS 64

/* A free-running counter for per-stage counts (NULL members: counts stay 0, as on the host twin). */
typedef struct {
  uint32_t (*now)(void);
  uint32_t (*elapsed)(uint32_t start, uint32_t end);
} kws_clock_t;

/* Recognition parameters in the metadata's units; the host may override them at run time. */
typedef struct {
  int32_t average_window_ms;
  float detection_threshold; /* on the averaged score, in [0, 1] */
  int32_t suppression_ms;
  int32_t minimum_count;
} kws_recognition_t;

typedef struct {
  uint32_t hop;     /* index of this hop since the last reset */
  uint32_t time_ms; /* stream time at the end of this hop */
  uint32_t frontend, inference, recognize; /* counter units (cycles or instructions) */
  uint8_t invoked;                         /* the model ran (window models run every K hops) */
  uint8_t detected;                        /* RecognizeCommands reported a new command */
  int16_t label;                           /* detected label, else the current top label (-1: none) */
  int32_t score;                           /* its averaged score, zero-based (0..255) */
  const int8_t *scores;                    /* the model output when invoked */
  uint16_t score_count;
} kws_hop_t;

typedef struct {
  /* the model */
  runtime_model_t model;
  runtime_t rt;
  hark_meta_t meta;
  kws_mode_t mode;
  const char *name, *hash, *labels;
  uint32_t name_len, hash_len, labels_len;
  uint16_t label_count;
  /* the frontend and how its uint16 output becomes the model's int8 input */
  frontend_t fe;
  uint32_t hop_samples, hop_ms, sample_rate;
  uint16_t channels;
  int64_t feature_multiplier; /* Q32 of features.scale / input scale */
  int32_t input_zero_point;
  int8_t *frame; /* the newest frame, int8 */
  /* MLTK's dynamic quantization (frontend.dynamic_range_db > 0): the window is kept in uint16 and scaled
   * as a whole before each invoke, so `window` is unused and `raw_window` holds the frames. */
  int32_t dynamic_range; /* feature units; 0: off */
  uint16_t *raw_window;
  /* window mode: the last window_frames frames, oldest first, slid by one frame per hop (memmove) */
  int8_t *window;
  uint32_t window_frames, every_hops, frames_seen;
  /* external-state streaming */
  uint32_t feature_input, score_output;
  uint32_t state_count;
  uint8_t state_in[KWS_MAX_STATE], state_out[KWS_MAX_STATE];
  int8_t *state[KWS_MAX_STATE]; /* persistent copies: the planner may reuse input memory in an invoke */
  /* The tensors' bytes in the runtime's arena, fixed once it is built: looked up at init, not per hop
   * (runtime_input/runtime_output read each tensor's quantization from the model, ~430 instructions a
   * call; the streaming ds_cnn has 22 of them a hop). */
  int8_t *input_data, *state_in_data[KWS_MAX_STATE];
  const int8_t *state_out_data[KWS_MAX_STATE];
  const void *score_data;
  int32_t score_is_uint8;
  uint32_t state_bytes[KWS_MAX_STATE];
  int32_t state_zero[KWS_MAX_STATE];
  /* recognition */
  hark_recognize_t rec;
  kws_recognition_t params;
  float output_scale;
  int32_t output_zero_point;
  int8_t *scores; /* output copy, uint8 models shifted into int8 */
  /* bookkeeping */
  uint32_t hop_index;
  kws_clock_t clock;
  int32_t bare;     /* no metadata: runtime only, for profiling */
  size_t arena_size, own_bytes; /* own_bytes: what the pipeline carved before the runtime's part */
  char error[128];
} kws_t;

/* Verifies the model and its metadata and builds everything in `arena`. `model` must stay alive and be
 * 4-byte aligned; `ops` lists the kernels this build links (runtime_all_ops for every one). */
int kws_init(kws_t *k, const uint8_t *model, uint32_t size, const runtime_ops_t *ops, void *arena, size_t arena_size,
             const kws_clock_t *clock);
const char *kws_error(const kws_t *k);

uint32_t kws_hop_samples(const kws_t *k);
/* Runs one hop of kws_hop_samples() samples. */
int kws_hop(kws_t *k, const int16_t *samples, kws_hop_t *out);
/* Forgets all audio: frontend state, feature window, model state, recognition history, hop count. */
void kws_reset(kws_t *k);

void kws_get_recognition(const kws_t *k, kws_recognition_t *out);
int kws_set_recognition(kws_t *k, const kws_recognition_t *params);

/* One invoke with per-operator counts (counter units) into counts[0..*ops). */
int kws_profile(kws_t *k, uint32_t *counts, uint16_t capacity, uint16_t *ops, uint32_t *total);

/* Label `index` (not NUL-terminated): its length, or -1. */
int32_t kws_label(const kws_t *k, uint32_t index, const char **name);
/* The arena the pipeline needs: its own buffers plus what the runtime's init needs while it runs
 * (runtime_arena_init_peak, never less than what it uses after), so an arena of this size initializes. */
size_t kws_arena_used(const kws_t *k);
/* 1 if the model has no `hark` metadata: kws_profile works, kws_hop does not (kws_hop_samples is 0). */
int kws_is_bare(const kws_t *k);
size_t kws_sizeof(void);
/* Every kernel the runtime has (host tools; a board app may list fewer to save flash). */
const runtime_ops_t *kws_all_ops(void);

#endif

/* RecognizeCommands: smooths per-hop model scores into detections, with the semantics of TFLM's
 * micro_speech RecognizeCommands (itself TF speech_commands' C++ one): an average over a time
 * window, a detection threshold on that average, a suppression time after a detection, and a
 * minimum number of results before anything is reported. No heap: the history lives in a buffer the
 * caller provides. The host twin (host/hark/recognize.py) runs this same code through ctypes. */
#ifndef HARK_RECOGNIZE_H
#define HARK_RECOGNIZE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  int32_t average_window_ms; /* metadata recognition.average_window_ms */
  /* On the averaged score in the zero-based domain (score - score_zero_point: 0..255 for an 8-bit
   * softmax); hark_recognize_threshold() converts metadata recognition.detection_threshold. */
  int32_t detection_threshold;
  int32_t suppression_ms;    /* metadata recognition.suppression_ms */
  int32_t minimum_count;     /* metadata recognition.minimum_count */
  int32_t score_zero_point;  /* the output tensor's zero point: -128 for int8 softmax, 0 for uint8 */
  int32_t silence_label;     /* a repeat after this label is never suppressed (TF: label 0); -1: none */
} hark_recognize_config_t;

typedef struct {
  int32_t label;  /* the top label, or while warming up the previous top (-1 if none yet) */
  int32_t score;  /* its averaged zero-based score; 0 while warming up */
  int32_t is_new; /* 1: a detection to report */
} hark_recognize_result_t;

typedef struct {
  hark_recognize_config_t cfg;
  uint16_t labels;
  uint16_t capacity; /* results the history holds */
  uint16_t first;    /* oldest result's slot */
  uint16_t count;
  int32_t *times;
  int16_t *scores; /* capacity x labels, zero-based */
  int32_t prev_top_label;
  int32_t prev_top_time;
  int32_t has_prev_time;
  uint32_t evicted; /* results dropped early because the history was full: size it with history_for() */
} hark_recognize_t;

#define HARK_RECOGNIZE_OK 0
#define HARK_RECOGNIZE_EARG (-1)   /* bad argument or configuration */
#define HARK_RECOGNIZE_EMEM (-2)   /* the buffer is too small */
#define HARK_RECOGNIZE_EORDER (-3) /* a time earlier than the previous result's */

/* History capacity that never evicts for results every hop_ms: the window holds window/hop + 1 of
 * them, plus the newest before pruning. */
uint16_t hark_recognize_history_for(int32_t average_window_ms, int32_t hop_ms);
/* Bytes of caller memory for `capacity` results of `labels` scores (4-byte aligned memory). */
size_t hark_recognize_mem_bytes(uint16_t labels, uint16_t capacity);
/* Converts a probability threshold in [0, 1] (metadata recognition.detection_threshold) into the
 * zero-based domain of an output quantized with `output_scale`: an integer average a passes iff
 * a * output_scale > threshold, i.e. a > floor(threshold / output_scale). */
int hark_recognize_threshold(float threshold, float output_scale, int32_t *out);

int hark_recognize_init(hark_recognize_t *r, const hark_recognize_config_t *cfg, uint16_t labels, uint16_t capacity,
                        void *mem, size_t mem_bytes);
/* New parameters (e.g. a PARAM_SET over serial); the history starts over, as a new TF object would. */
int hark_recognize_configure(hark_recognize_t *r, const hark_recognize_config_t *cfg);
/* Forgets the history and the last detection (a state reset between streams). */
void hark_recognize_reset(hark_recognize_t *r);

/* Feeds one result (`labels` scores as the model output them) at time_ms. */
int hark_recognize_process_i8(hark_recognize_t *r, const int8_t *scores, int32_t time_ms,
                              hark_recognize_result_t *out);
int hark_recognize_process_u8(hark_recognize_t *r, const uint8_t *scores, int32_t time_ms,
                              hark_recognize_result_t *out);

/* The object's size, for bindings that allocate it without mirroring the layout. */
size_t hark_recognize_sizeof(void);

#endif

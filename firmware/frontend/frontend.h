/* The audio frontend: int16 audio in, one uint16 feature vector per hop out, bit-identical to
 * TensorFlow's audio_microfrontend op (the op the models are trained with).
 *
 * Stages per hop: [DC notch] -> Hann window -> int16 real FFT (kissfft's fixed-point arithmetic)
 * -> energy -> mel-like filterbank + sqrt -> [noise reduction] -> [PCAN gain control] -> [log scale].
 *
 * No heap: frontend_state_size() tells how many bytes the settings need, frontend_init() carves
 * every table and buffer from the caller's memory. Float and double arithmetic is used only inside
 * frontend_init(), to build the same integer tables the op builds; per-hop processing is integer. */
#ifndef HARK_FRONTEND_H
#define HARK_FRONTEND_H

#include <stddef.h>
#include <stdint.h>

/* The settings, one per line: X(type, name, default, in_spec), named as the op and hark's FrontendSpec name
 * them, with FrontendSpec's defaults (TF speech_commands "micro" settings). in_spec 1: a FrontendSpec field,
 * carried in the model metadata as frontend.<name>; in_spec 2: the same, but added after models were already
 * exported without it, so a model whose metadata lacks the key gets the default (the feature off); the app fills those from the metadata and the host binding
 * from the spec, never from constants in C. This table is the one list: frontend_config_t, its defaults, the
 * app's metadata reader (kws.c) and the Python binding (hark/native/frontend.py parses it) all derive from it,
 * and tests/test_frontend.py holds it equal to FrontendSpec. Keep each entry on its own line. */
#define FRONTEND_SETTINGS(X) \
  X(int32_t, sample_rate, 16000, 1) \
  X(int32_t, clip_duration_ms, 1000, 1) /* only for batch sizing; per-hop processing ignores it */ \
  X(int32_t, window_size_ms, 30, 1) \
  X(int32_t, window_step_ms, 20, 1) \
  X(int32_t, num_channels, 40, 1) \
  X(float, lower_band_limit, 125.0f, 1) \
  X(float, upper_band_limit, 7500.0f, 1) \
  X(int32_t, enable_noise_reduction, 1, 1) \
  X(int32_t, smoothing_bits, 10, 1) \
  X(float, even_smoothing, 0.025f, 1) \
  X(float, odd_smoothing, 0.06f, 1) \
  X(float, min_signal_remaining, 0.05f, 1) \
  X(int32_t, enable_pcan, 1, 1) \
  X(float, pcan_strength, 0.95f, 1) \
  X(float, pcan_offset, 80.0f, 1) \
  X(int32_t, gain_bits, 21, 1) \
  X(int32_t, enable_log, 1, 1) \
  X(int32_t, scale_shift, 6, 1) \
  X(int32_t, enable_dc_notch, 0, 1) /* MLTK's extra: y[n] = x[n] - x[n-1] + c*y[n-1] before the window */ \
  X(float, dc_notch_coefficient, 0.95f, 2) /* MLTK's default */ \
  X(float, dynamic_range_db, 0.0f, 2) /* MLTK's dynamic int8 window quantization; 0: off. kws applies it */

#define FRONTEND__FIELD(type, name, default_value, in_spec) type name;
typedef struct {
  FRONTEND_SETTINGS(FRONTEND__FIELD)
} frontend_config_t;
#undef FRONTEND__FIELD

enum {
  FRONTEND_OK = 0,
  FRONTEND_E_CONFIG = -1, /* a setting is out of range; frontend_config_check() names it */
  FRONTEND_E_BUFFER = -2, /* the memory given to frontend_init() is too small or misaligned */
  FRONTEND_E_BANDS = -3,  /* the filterbank reaches past the spectrum (upper_band_limit too high) */
  FRONTEND_E_ARG = -4,    /* a NULL pointer or a bad length */
};

/* Bounds the module accepts (the op accepts more, but then overflows or shifts out of range). */
#define FRONTEND_MAX_WINDOW_SAMPLES 4096
#define FRONTEND_MAX_CHANNELS 256
#define FRONTEND_STATE_ALIGN 8

/* The defaults of FRONTEND_SETTINGS (FrontendSpec's). */
void frontend_config_default(frontend_config_t *config);
/* NULL if the settings are usable, else a message naming the first bad field. */
const char *frontend_config_check(const frontend_config_t *config);
/* Bytes of caller memory frontend_init() needs for these settings; 0 if the settings are invalid. */
size_t frontend_state_size(const frontend_config_t *config);
const char *frontend_error_text(int code);

/* Kissfft-compatible int16 complex number. */
typedef struct {
  int16_t r;
  int16_t i;
} frontend_cpx_t;

/* The state. Its fields are public so tests can inspect each stage; callers only pass it around. */
typedef struct {
  /* sizes derived from the settings */
  int32_t window_size, step, fft_size, num_channels;
  int32_t start_index, end_index; /* FFT bins [start, end) feed the filterbank */
  int32_t num_factors;
  int32_t factors[2 * 16];        /* kissfft's (radix, remaining length) pairs for fft_size/2 */
  int32_t correction_bits;        /* log2(fft_size) - 1 - 6, as in the op */
  int32_t snr_shift;
  uint16_t even_smoothing, odd_smoothing, min_signal_remaining;
  int16_t dc_notch_coef;
  int32_t enable_noise_reduction, smoothing_bits, enable_pcan, enable_log, scale_shift, enable_dc_notch;
  /* tables built at init */
  int16_t *window;                 /* [window_size], Q12 */
  frontend_cpx_t *twiddles;        /* [fft_size/2] when a radix-2 stage needs it, else NULL */
  frontend_cpx_t *super_twiddles;  /* [fft_size/4] */
  uint16_t *fft_order;             /* [fft_size/2]: complex input index for each FFT work slot */
  frontend_cpx_t *stage_twiddles;  /* [fft_size/2]: per radix-4 stage, in run order, for
                                      j = 0..m-1: tw[j fs], tw[3j fs], tw[2j fs] (one LDRD + one LDR) */
  uint16_t *band_end;              /* [num_channels+1]: end bin of each filterbank band */
  const frontend_cpx_t **band_stop; /* [num_channels+2]: &fft[band_end[b]], then NULL (the filterbank's loop) */
  uint64_t *band_sums;             /* [num_channels+1]: scratch, each band's weighted sum plus the last unweighted */
  int32_t *weights, *unweights;    /* [end_index - start_index], Q12; int32 so the filterbank's SMLAL takes them as loaded */
  int16_t *pcan_lut;               /* [125] */
  /* streaming state */
  int16_t *input;                  /* [window_size]: samples not yet consumed by a window */
  int32_t input_used;
  int16_t dc_prev_in, dc_prev_out;
  uint32_t *noise_estimate;        /* [num_channels] */
  /* per-hop scratch */
  int16_t *windowed;               /* [fft_size]: the window's output, zero-padded */
  frontend_cpx_t *fft;             /* [fft_size/2 + 1] */
  frontend_cpx_t *fft_scratch;     /* [256] for fft_size 512, else none: the M4's out-of-place FFT stages
                                      (carved on every build, so the host measures the board's state) */
  uint32_t *signal;                /* [num_channels] */
  int32_t last_input_shift;
} frontend_t;

/* Builds the tables and clears the streaming state. `memory` must hold frontend_state_size() bytes
 * and be FRONTEND_STATE_ALIGN-aligned. */
int frontend_init(frontend_t *fe, const frontend_config_t *config, void *memory, size_t size);
/* For bindings that hold frontend_t as opaque bytes (Python ctypes). */
size_t frontend_handle_size(void);
void frontend_dims(const frontend_t *fe, int32_t *window_size, int32_t *step, int32_t *num_channels);

/* Forgets all audio (window history, noise estimate, DC notch): the next frame starts afresh. */
void frontend_reset(frontend_t *fe);

/* Streaming, as the op and the firmware call it: consumes up to n samples (stops after a frame),
 * stores how many in *consumed, and returns 1 with num_channels values in `out` when a frame is
 * complete, 0 when more samples are needed, or a negative error. The first frame needs
 * window_size samples, every later one `step` more. */
int frontend_process(frontend_t *fe, const int16_t *samples, size_t n, size_t *consumed, uint16_t *out);

/* Batch: all frames of a clip, frames x channels into `out` (room for max_frames frames). Resets
 * first. Returns the frame count (1 + (n - window) / step, or 0 for short clips) or an error. */
int32_t frontend_run(frontend_t *fe, const int16_t *samples, size_t n, uint16_t *out, size_t max_frames);

/* int8 features. TFLM micro_speech's mapping: (v * 256 + 333) / 666 - 128, clamped. */
void frontend_to_int8_micro(const uint16_t *in, size_t n, int8_t *out);
/* MLTK's dynamic scale: the largest value in the block maps to 127 and `range` below it to -128.
 * frontend_dynamic_range() turns MLTK's range in dB into that range in feature units. */
int32_t frontend_dynamic_range(float range_db, int32_t scale_shift);
void frontend_to_int8_dynamic(const uint16_t *in, size_t n, int32_t range, int8_t *out);

/* ---- The stages, one hop at a time (used by frontend_process; public for the unit tests). ---- */
void frontend_dc_notch(frontend_t *fe, const int16_t *in, int16_t *out, size_t n);
/* Windows fe->input into `out` (int16[window_size]). Returns the OR of the |values| the op's max
 * counts: its bit length is that of the op's max, which is all the FFT's input shift depends on.
 * FRONTEND_WINDOW_RAIL is set in it too when a windowed value is -32768, the one value the op's max
 * skips (its int16 abs wraps): only then can the input shift wrap a sample. */
uint32_t frontend_window(const frontend_t *fe, int16_t *out);
#define FRONTEND_WINDOW_RAIL (1u << 31)
/* The op's FFT input shift, 15 - bit length of the window's peak (frontend_window's result). */
int32_t frontend_fft_shift(uint32_t magnitude_bits);
/* Real FFT of fft_size int16 samples (zero-padded from window_size, scaled up by `shift` bits) into
 * fe->fft[0 .. fft_size/2], with kissfft's int16 arithmetic, rounding and wrap-around. `windowed`
 * must hold fft_size samples, zero from window_size on (fe->windowed does). */
void frontend_fft(frontend_t *fe, const int16_t *windowed, int32_t shift);
/* The same, but only the bins the filterbank reads are valid after it. */
void frontend_fft_for_filterbank(frontend_t *fe, const int16_t *windowed, int32_t shift);
/* The per-hop path: frontend_fft_for_filterbank at the shift of frontend_window's result
 * `window_bits`, which it returns. The same bins; where that result says no sample can wrap, the
 * input shift folds into the first stage's C_FIXDIV products. */
int32_t frontend_fft_hop(frontend_t *fe, const int16_t *windowed, uint32_t window_bits);
/* The same transform written plainly, struct by struct: the oracle of the packed fast path. Its
 * `windowed` needs only window_size samples. */
void frontend_fft_reference(frontend_t *fe, const int16_t *windowed, int32_t shift);
/* |X[k]|^2 per bin and the filterbank, then sqrt >> shift, into fe->signal. */
void frontend_filterbank(frontend_t *fe, int32_t shift);
void frontend_noise_reduction(frontend_t *fe, uint32_t *signal);
void frontend_pcan(const frontend_t *fe, uint32_t *signal);
void frontend_log_scale(const frontend_t *fe, const uint32_t *signal, uint16_t *out);
/* frontend_pcan then frontend_log_scale into `out` as one pass (`signal` left as it was), where a fast
 * path exists: on the M4 for the spec's default shifts. Returns 0, having done nothing, elsewhere. */
int frontend_pcan_log(const frontend_t *fe, const uint32_t *signal, uint16_t *out);

/* Building blocks with exact op semantics. */
uint32_t frontend_sqrt64(uint64_t x);      /* the op's digit-by-digit rounded square root */
uint32_t frontend_sqrt64_fast(uint64_t x); /* the same results, float-seeded (the hot path's) */
uint32_t frontend_log(uint32_t x, int32_t scale_shift);
int16_t frontend_wide_dynamic(uint32_t x, const int16_t *lut);

/* Table builders used by frontend_init (public for the tests). */
void frontend_window_table(int16_t *out, int32_t size);
/* kissfft's twiddles for the fft_size/2-point complex FFT (skipped if `twiddles` is NULL), and kiss_fftr's
 * fft_size/4 "super" ones. */
void frontend_twiddle_tables(frontend_cpx_t *twiddles, frontend_cpx_t *super_twiddles, int32_t fft_size);

/* Init-time math in plain C doubles (no libm), accurate enough that every table equals the one
 * the op computes with glibc. Public for the tests, which check them against libm. */
double frontend_math_cos(double x);
double frontend_math_sin(double x);
double frontend_math_log1p(double x);
float frontend_math_powf(float x, float y);

#endif

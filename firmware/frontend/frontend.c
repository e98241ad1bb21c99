/* The frontend's settings, state layout, table building, per-hop stages and streaming loop.
 * Each stage reproduces the integer arithmetic of TF's microfrontend library (the code inside the
 * audio_microfrontend op), including its wrap-arounds, so outputs are bit-identical. */
#include "frontend.h"

#include <math.h>
#include <string.h>

#include "frontend_dsp.h"

/* Fixed-point formats of the op. */
#define WINDOW_BITS 12
#define FILTERBANK_BITS 12
#define NOISE_REDUCTION_BITS 14
#define PCAN_SNR_BITS 12
#define PCAN_OUTPUT_BITS 6
#define WIDE_DYNAMIC_BITS 32
#define PCAN_LUT_SIZE (4 * WIDE_DYNAMIC_BITS - 3)
/* Interval i = bit_length(x) of the PCAN table starts at entry 4 i - 6: with i = 32 - clz(x), at this
 * entry less 4 clz(x) (frontend_wide_dynamic and frontend_pcan_log's assembly). */
#define PCAN_LUT_TOP (4 * WIDE_DYNAMIC_BITS - 6)
#define PI 3.14159265358979323846
#define LOG_SCALE_LOG2 16
#define LOG_SEGMENTS_LOG2 7
#define LOG_COEFF 45426 /* ln(2) in Q16 */

/* Correction of log2(1 + f) - f for f = k/128, in Q16: round((log2(1 + k/128) - k/128) * 65536),
 * plus a trailing 0 so segment 127 can read its right neighbour. The log-scale test recomputes
 * every entry from that formula with libm. */
const uint16_t frontend_log_lut[130] = {
    0,    224,  442,  654,  861,  1063, 1259, 1450, 1636, 1817, 1992, 2163, 2329, 2490, 2646, 2797, 2944,
    3087, 3224, 3358, 3487, 3611, 3732, 3848, 3960, 4068, 4172, 4272, 4368, 4460, 4549, 4633, 4714, 4791,
    4864, 4934, 5001, 5063, 5123, 5178, 5231, 5280, 5326, 5368, 5408, 5444, 5477, 5507, 5533, 5557, 5578,
    5595, 5610, 5622, 5631, 5637, 5640, 5641, 5638, 5633, 5626, 5615, 5602, 5586, 5568, 5547, 5524, 5498,
    5470, 5439, 5406, 5370, 5332, 5291, 5249, 5203, 5156, 5106, 5054, 5000, 4944, 4885, 4825, 4762, 4697,
    4630, 4561, 4490, 4416, 4341, 4264, 4184, 4103, 4020, 3935, 3848, 3759, 3668, 3575, 3481, 3384, 3286,
    3186, 3084, 2981, 2875, 2768, 2659, 2549, 2437, 2323, 2207, 2090, 1971, 1851, 1729, 1605, 1480, 1353,
    1224, 1094, 963,  830,  695,  559,  421,  282,  142,  0,    0};

/* Bit length of x (0 for 0), the op's MostSignificantBit32. */
static inline int32_t bit_length(uint32_t x) { return x == 0 ? 0 : 32 - __builtin_clz(x); }
static inline int32_t bit_length64(uint64_t x) { return x == 0 ? 0 : 64 - __builtin_clzll(x); }

/* ------------------------------------------------------------------------------------------------
 * Settings */

void frontend_config_default(frontend_config_t *c) {
#define FRONTEND__DEFAULT(type, name, default_value, in_spec) c->name = (type)(default_value);
  FRONTEND_SETTINGS(FRONTEND__DEFAULT)
#undef FRONTEND__DEFAULT
}

static int32_t window_samples(const frontend_config_t *c) {
  return (int32_t)((int64_t)c->window_size_ms * c->sample_rate / 1000);
}
static int32_t step_samples(const frontend_config_t *c) {
  return (int32_t)((int64_t)c->window_step_ms * c->sample_rate / 1000);
}
static int32_t fft_size_for(int32_t window) {
  int32_t n = 1;
  while (n < window) n <<= 1;
  return n;
}
static int finite_in(float x, float lo, float hi) { return x == x && x >= lo && x <= hi; }

const char *frontend_config_check(const frontend_config_t *c) {
  if (c == NULL) return "config is NULL";
  if (c->sample_rate < 1000 || c->sample_rate > 192000) return "sample_rate must be in [1000, 192000]";
  if (c->window_size_ms < 1 || c->window_size_ms > 1000) return "window_size_ms must be in [1, 1000]";
  const int32_t w = window_samples(c), s = step_samples(c);
  if (w < 4 || w > FRONTEND_MAX_WINDOW_SAMPLES) return "window_size_ms * sample_rate / 1000 must be in [4, 4096] samples";
  if (c->window_step_ms < 1 || s < 1 || s > w) return "window_step_ms must give 1..window_size samples";
  if (c->num_channels < 1 || c->num_channels > FRONTEND_MAX_CHANNELS) return "num_channels must be in [1, 256]";
  if (!finite_in(c->lower_band_limit, 0.0f, 1e6f)) return "lower_band_limit must be >= 0";
  if (!finite_in(c->upper_band_limit, 0.0f, 1e6f) || !(c->upper_band_limit > c->lower_band_limit))
    return "upper_band_limit must be above lower_band_limit";
  if (c->smoothing_bits < 0 || c->smoothing_bits > 31) return "smoothing_bits must be in [0, 31]";
  if (!finite_in(c->even_smoothing, 0.0f, 1.0f)) return "even_smoothing must be in [0, 1]";
  if (!finite_in(c->odd_smoothing, 0.0f, 1.0f)) return "odd_smoothing must be in [0, 1]";
  if (!finite_in(c->min_signal_remaining, 0.0f, 1.0f)) return "min_signal_remaining must be in [0, 1]";
  const int32_t correction = bit_length((uint32_t)fft_size_for(w)) - 1 - FILTERBANK_BITS / 2;
  if (c->enable_pcan) {
    if (!finite_in(c->pcan_strength, 0.0f, 100.0f)) return "pcan_strength must be in [0, 100]";
    if (!finite_in(c->pcan_offset, 0.0f, 1e9f)) return "pcan_offset must be >= 0";
    if (c->gain_bits < 0 || c->gain_bits > 31) return "gain_bits must be in [0, 31]";
    const int32_t snr_shift = c->gain_bits - correction - PCAN_SNR_BITS;
    if (snr_shift < 0 || snr_shift > 63) return "gain_bits is too small for this window (PCAN's SNR shift would be negative)";
    if (c->enable_noise_reduction && c->smoothing_bits < correction)
      return "smoothing_bits is too small for this window (PCAN's input bits would be negative)";
  }
  if (c->scale_shift < 0 || c->scale_shift > 16) return "scale_shift must be in [0, 16]";
  if (c->enable_dc_notch && !(c->dc_notch_coefficient >= 0.0f && c->dc_notch_coefficient < 1.0f))
    return "dc_notch_coefficient must be in [0, 1)";
  return NULL;
}

const char *frontend_error_text(int code) {
  switch (code) {
    case FRONTEND_OK: return "ok";
    case FRONTEND_E_CONFIG: return "invalid frontend settings";
    case FRONTEND_E_BUFFER: return "state memory too small or misaligned";
    case FRONTEND_E_BANDS: return "filterbank reaches past the spectrum: upper_band_limit too high for the sample rate";
    case FRONTEND_E_ARG: return "bad argument";
    default: return "unknown error";
  }
}

/* ------------------------------------------------------------------------------------------------
 * State layout: every array carved from one caller buffer; with base == NULL it only measures. */

typedef struct {
  uint8_t *base;
  size_t used;
} carver_t;

static void *carve(carver_t *cv, size_t bytes) {
  cv->used = (cv->used + 7u) & ~(size_t)7u;
  void *p = cv->base ? cv->base + cv->used : NULL;
  cv->used += bytes;
  return p;
}

static void layout(frontend_t *fe, carver_t *cv, int32_t w, int32_t n, int32_t channels) {
  const size_t bins = (size_t)n / 2 + 1;
  fe->fft = carve(cv, bins * sizeof(frontend_cpx_t));
  fe->fft_scratch = carve(cv, (n == 512 ? 256u : 0u) * sizeof(frontend_cpx_t));
  /* kissfft's whole twiddle table only for a radix-2 stage (n / 2 not a power of 4): the radix-4 stages read
   * theirs from stage_twiddles. */
  int32_t odd = n / 2;
  while (odd % 4 == 0) odd /= 4;
  fe->twiddles = odd == 2 ? carve(cv, (size_t)n / 2 * sizeof(frontend_cpx_t)) : NULL;
  fe->super_twiddles = carve(cv, (size_t)n / 4 * sizeof(frontend_cpx_t));
  fe->noise_estimate = carve(cv, (size_t)channels * sizeof(uint32_t));
  fe->signal = carve(cv, (size_t)channels * sizeof(uint32_t));
  fe->window = carve(cv, (size_t)w * sizeof(int16_t));
  fe->input = carve(cv, (size_t)w * sizeof(int16_t));
  fe->windowed = carve(cv, (size_t)n * sizeof(int16_t));
  fe->fft_order = carve(cv, (size_t)n / 2 * sizeof(uint16_t));
  fe->stage_twiddles = carve(cv, (size_t)n / 2 * sizeof(frontend_cpx_t));
  fe->band_end = carve(cv, (size_t)(channels + 1) * sizeof(uint16_t));
  fe->band_stop = carve(cv, (size_t)(channels + 2) * sizeof(frontend_cpx_t *));
  fe->band_sums = carve(cv, (size_t)(channels + 1) * sizeof(uint64_t));
  fe->weights = carve(cv, bins * sizeof(int32_t));
  fe->unweights = carve(cv, bins * sizeof(int32_t));
  fe->pcan_lut = carve(cv, PCAN_LUT_SIZE * sizeof(int16_t));
}

size_t frontend_state_size(const frontend_config_t *config) {
  if (frontend_config_check(config) != NULL) return 0;
  frontend_t scratch;
  carver_t cv = {NULL, 0};
  const int32_t w = window_samples(config);
  layout(&scratch, &cv, w, fft_size_for(w), config->num_channels);
  return (cv.used + 7u) & ~(size_t)7u;
}

/* ------------------------------------------------------------------------------------------------
 * Tables, computed with the op's float/double expressions (see frontend_math.c). */

static int32_t floor_to_int(double x) {
  const int32_t t = (int32_t)x;
  return (double)t > x ? t - 1 : t;
}

void frontend_window_table(int16_t *out, int32_t size) {
  /* Hann, sampled at i + 0.5: 0.5 - 0.5 cos(2 pi (i + 0.5) / size), rounded to float, then Q12. */
  const float arg = (float)(PI * 2.0 / (double)(float)size);
  for (int32_t i = 0; i < size; i++) {
    const float v = (float)(0.5 - 0.5 * frontend_math_cos((double)arg * ((double)i + 0.5)));
    out[i] = (int16_t)floor_to_int((double)(v * (float)(1 << WINDOW_BITS)) + 0.5);
  }
}

static frontend_cpx_t cexp_q15(double phase) {
  frontend_cpx_t c = {(int16_t)floor_to_int(0.5 + 32767.0 * frontend_math_cos(phase)),
                      (int16_t)floor_to_int(0.5 + 32767.0 * frontend_math_sin(phase))};
  return c;
}

/* kissfft's twiddle i of the n-point complex FFT. */
__attribute__((noinline)) static frontend_cpx_t twiddle(int32_t n, int32_t i) {
  return cexp_q15(-2.0 * PI * (double)i / (double)n);
}

void frontend_twiddle_tables(frontend_cpx_t *twiddles, frontend_cpx_t *super_twiddles, int32_t fft_size) {
  const int32_t n = fft_size / 2;
  if (twiddles)
    for (int32_t i = 0; i < n; i++) twiddles[i] = twiddle(n, i);
  for (int32_t i = 0; i < n / 2; i++) super_twiddles[i] = cexp_q15(-PI * ((double)(i + 1) / (double)n + 0.5));
}

static void build_fft(frontend_t *fe) {
  const int32_t n = fe->fft_size / 2;
  frontend_twiddle_tables(fe->twiddles, fe->super_twiddles, fe->fft_size);
  /* kissfft's factoring: radix 4 while it divides, then 2 (n is a power of two). */
  int32_t rest = n, count = 0;
  while (rest > 1) {
    const int32_t p = (rest % 4 == 0) ? 4 : 2;
    rest /= p;
    fe->factors[2 * count] = p;
    fe->factors[2 * count + 1] = rest;
    count++;
  }
  fe->num_factors = count;
  /* Slot pos of the work buffer holds input q0 + q1 p0 + q2 p0 p1 + ... where pos = sum q_l m_l:
   * where kissfft's recursion leaves each input before the first butterflies. */
  for (int32_t pos = 0; pos < n; pos++) {
    int32_t rem = pos, index = 0, stride = 1;
    for (int32_t l = 0; l < count; l++) {
      const int32_t m = fe->factors[2 * l + 1];
      index += (rem / m) * stride;
      rem %= m;
      stride *= fe->factors[2 * l];
    }
    fe->fft_order[pos] = (uint16_t)index;
  }
  /* The radix-4 stages' twiddles in the order their butterflies read them: 3 m entries a stage,
   * 3 (n/4 + n/16 + ... + 1) < n in all. */
  frontend_cpx_t *st = fe->stage_twiddles;
  for (int32_t l = count - 1; l >= 0; l--) {
    const int32_t p = fe->factors[2 * l], m = fe->factors[2 * l + 1], fs = n / (p * m);
    if (p != 4) continue;
    for (int32_t j = 0; j < m; j++) {
      *st++ = twiddle(n, j * fs);
      *st++ = twiddle(n, 3 * j * fs);
      *st++ = twiddle(n, 2 * j * fs);
    }
  }
}

static float freq_to_mel(float freq) { return (float)(1127.0 * frontend_math_log1p((double)freq / 700.0)); }

static int build_filterbank(frontend_t *fe, const frontend_config_t *c) {
  const int32_t channels = c->num_channels, bands = channels + 1;
  const int32_t spectrum = fe->fft_size / 2 + 1;
  const float mel_low = freq_to_mel(c->lower_band_limit);
  const float mel_hi = freq_to_mel(c->upper_band_limit);
  const float mel_spacing = (mel_hi - mel_low) / (float)bands;
  const float hz_per_bin = (float)(0.5 * (double)c->sample_rate / (double)((float)spectrum - 1.0f));
  fe->start_index = (int32_t)(1.5 + (double)(c->lower_band_limit / hz_per_bin));
  if (fe->start_index >= spectrum) return FRONTEND_E_BANDS;
  /* Bins join band b while their mel value stays at or below the band's centre; each bin's weight
   * is its distance below the centre over the band's width, the unweight its complement. */
  int32_t f = fe->start_index;
  float mel_f = freq_to_mel((float)f * hz_per_bin);
  for (int32_t b = 0; b < bands; b++) {
    const float center = mel_low + mel_spacing * (float)(b + 1);
    const float below = b == 0 ? mel_low : mel_low + mel_spacing * (float)b;
    while (mel_f <= center) {
      const float weight = (center - mel_f) / (center - below);
      fe->weights[f - fe->start_index] = (int32_t)floor_to_int((double)(weight * (float)(1 << FILTERBANK_BITS)) + 0.5);
      fe->unweights[f - fe->start_index] =
          (int32_t)floor_to_int((1.0 - (double)weight) * (double)(1 << FILTERBANK_BITS) + 0.5);
      f++;
      if (f >= spectrum) return FRONTEND_E_BANDS;
      mel_f = freq_to_mel((float)f * hz_per_bin);
    }
    fe->band_end[b] = (uint16_t)f;
  }
  fe->end_index = f;
  for (int32_t b = 0; b < bands; b++) fe->band_stop[b] = fe->fft + fe->band_end[b];
  fe->band_stop[bands] = NULL;
  return FRONTEND_OK;
}

static int16_t pcan_gain(const frontend_config_t *c, int32_t input_bits, uint32_t x) {
  const float x_as_float = (float)x / (float)((uint32_t)1 << input_bits);
  const float gain = (float)((uint32_t)1 << c->gain_bits) * frontend_math_powf(x_as_float + c->pcan_offset, -c->pcan_strength);
  if (gain > 32767.0f) return 32767;
  return (int16_t)(gain + 0.5f);
}

static void build_pcan(frontend_t *fe, const frontend_config_t *c) {
  /* With noise reduction off the estimate stays 0 and only entry 0 is read; keep the shift valid. */
  const int32_t input_bits = c->smoothing_bits >= fe->correction_bits ? c->smoothing_bits - fe->correction_bits : 0;
  int16_t *lut = fe->pcan_lut;
  lut[0] = pcan_gain(c, input_bits, 0);
  lut[1] = pcan_gain(c, input_bits, 1);
  /* Interval i (x in [2^(i-1), 2^i)) holds a quadratic through 3 points at lut[4i - 6 ..]. */
  for (int32_t interval = 2; interval <= WIDE_DYNAMIC_BITS; interval++) {
    const uint32_t x0 = (uint32_t)1 << (interval - 1);
    const uint32_t x1 = x0 + (x0 >> 1);
    const uint32_t x2 = interval == WIDE_DYNAMIC_BITS ? x0 + (x0 - 1) : 2 * x0;
    const int16_t y0 = pcan_gain(c, input_bits, x0);
    const int16_t y1 = pcan_gain(c, input_bits, x1);
    const int16_t y2 = pcan_gain(c, input_bits, x2);
    const int32_t diff1 = (int32_t)y1 - y0, diff2 = (int32_t)y2 - y0;
    const int32_t a1 = 4 * diff1 - diff2;
    const int32_t a2 = diff2 - a1;
    lut[4 * interval - 6] = y0;
    lut[4 * interval - 5] = (int16_t)a1;
    lut[4 * interval - 4] = (int16_t)a2;
  }
}

int frontend_init(frontend_t *fe, const frontend_config_t *c, void *memory, size_t size) {
  if (fe == NULL || c == NULL) return FRONTEND_E_ARG;
  if (frontend_config_check(c) != NULL) return FRONTEND_E_CONFIG;
  if (memory == NULL || ((uintptr_t)memory & (FRONTEND_STATE_ALIGN - 1)) != 0 || size < frontend_state_size(c))
    return FRONTEND_E_BUFFER;
  memset(fe, 0, sizeof *fe);
  fe->window_size = window_samples(c);
  fe->step = step_samples(c);
  fe->fft_size = fft_size_for(fe->window_size);
  fe->num_channels = c->num_channels;
  carver_t cv = {(uint8_t *)memory, 0};
  layout(fe, &cv, fe->window_size, fe->fft_size, fe->num_channels);
  memset(memory, 0, cv.used);

  fe->correction_bits = bit_length((uint32_t)fe->fft_size) - 1 - FILTERBANK_BITS / 2;
  fe->enable_noise_reduction = c->enable_noise_reduction != 0;
  fe->smoothing_bits = c->smoothing_bits;
  fe->even_smoothing = (uint16_t)(c->even_smoothing * (float)(1 << NOISE_REDUCTION_BITS));
  fe->odd_smoothing = (uint16_t)(c->odd_smoothing * (float)(1 << NOISE_REDUCTION_BITS));
  fe->min_signal_remaining = (uint16_t)(c->min_signal_remaining * (float)(1 << NOISE_REDUCTION_BITS));
  fe->enable_pcan = c->enable_pcan != 0;
  fe->snr_shift = c->gain_bits - fe->correction_bits - PCAN_SNR_BITS;
  fe->enable_log = c->enable_log != 0;
  fe->scale_shift = c->scale_shift;
  fe->enable_dc_notch = c->enable_dc_notch != 0;
  /* Converted only when on: frontend_config_check bounds it only then, and a model may carry any value for an
   * unused setting (a float outside int16's range would be undefined behaviour to convert). */
  fe->dc_notch_coef = fe->enable_dc_notch ? (int16_t)(c->dc_notch_coefficient * (float)(1 << 15)) : 0;

  frontend_window_table(fe->window, fe->window_size);
  build_fft(fe);
  const int status = build_filterbank(fe, c);
  if (status != FRONTEND_OK) return status;
  if (fe->enable_pcan) build_pcan(fe, c);
  frontend_reset(fe);
  return FRONTEND_OK;
}

size_t frontend_handle_size(void) { return sizeof(frontend_t); }

void frontend_dims(const frontend_t *fe, int32_t *window_size, int32_t *step, int32_t *num_channels) {
  *window_size = fe->window_size;
  *step = fe->step;
  *num_channels = fe->num_channels;
}

void frontend_reset(frontend_t *fe) {
  memset(fe->input, 0, (size_t)fe->window_size * sizeof *fe->input);
  memset(fe->noise_estimate, 0, (size_t)fe->num_channels * sizeof *fe->noise_estimate);
  fe->input_used = 0;
  fe->dc_prev_in = 0;
  fe->dc_prev_out = 0;
}

/* ------------------------------------------------------------------------------------------------
 * Stages */

void frontend_dc_notch(frontend_t *fe, const int16_t *in, int16_t *out, size_t n) {
  /* MLTK's first-order DC notch in Q15, with its int16 wrap-around. */
  int16_t prev_in = fe->dc_prev_in, prev_out = fe->dc_prev_out;
  for (size_t i = 0; i < n; i++) {
    const int16_t x = in[i];
    const int32_t p = (int32_t)fe->dc_notch_coef * prev_out;
    prev_out = (int16_t)((int16_t)(x - prev_in) + (((p >> 14) + 1) >> 1));
    prev_in = x;
    out[i] = prev_out;
  }
  fe->dc_prev_in = prev_in;
  fe->dc_prev_out = prev_out;
}

static uint32_t window_magnitude_bits(const int16_t *out, int32_t n) {
  /* The op's max |value| reduced to its bit length: the OR of the magnitudes has the same. Masking
   * with 0x7FFF drops |-32768|, which the op's int16 abs wraps back to -32768 so it never counts. */
  uint32_t bits = 0;
  for (int32_t i = 0; i < n; i++) {
    const int32_t v = out[i];
    bits |= (uint32_t)(v < 0 ? -v : v) & 0x7FFFu;
  }
  return bits;
}

/* Windowed samples for pairs [0, 2 quads) of `in`, four samples a step, ORing every value's magnitude
 * into *mag (packed halves). On the M4 in assembly: one LDRD each for the samples and the
 * coefficients, STRD for the output, and per word one SSUB16 from zero and one SEL for both
 * magnitudes, 18 instructions per four samples (19 with a running packed max and min), eight samples
 * a loop step (GCC's loop took 15 per two). An odd count of fours takes one first. */
static void window_quads(const int16_t *in, const int16_t *w, int16_t *out, int32_t quads, uint32_t *mag) {
#if defined(__ARM_FEATURE_DSP)
  if (quads <= 0) return;
  uint32_t acc = *mag, x0, x1, c0, c1, t, u;
  const uint32_t zero = 0;
  const int16_t *end = in + 4 * quads;
#define WINDOW_QUAD                                                                                   \
  "ldrd %[x0], %[x1], [%[in]], #8\n\t"                                                                \
  "ldrd %[c0], %[c1], [%[w]], #8\n\t"                                                                 \
  "smulbb %[t], %[x0], %[c0]\n\t"                                                                     \
  "smultt %[u], %[x0], %[c0]\n\t"                                                                     \
  "asr %[t], %[t], #12\n\t"                                                                           \
  "pkhbt %[x0], %[t], %[u], lsl #4\n\t" /* ((x w) >> 12) per half: bits 12-27 of the high product */ \
  "smulbb %[t], %[x1], %[c1]\n\t"                                                                     \
  "smultt %[u], %[x1], %[c1]\n\t"                                                                     \
  "asr %[t], %[t], #12\n\t"                                                                           \
  "pkhbt %[x1], %[t], %[u], lsl #4\n\t"                                                               \
  "strd %[x0], %[x1], [%[out]], #8\n\t"                                                               \
  "ssub16 %[t], %[zero], %[x0]\n\t" /* GE where a half is <= 0 */                                    \
  "sel %[t], %[t], %[x0]\n\t"       /* |x0| per half */                                              \
  "ssub16 %[u], %[zero], %[x1]\n\t"                                                                   \
  "sel %[u], %[u], %[x1]\n\t"                                                                         \
  "orr %[t], %[t], %[u]\n\t"                                                                          \
  "orr %[acc], %[acc], %[t]\n\t"
  if (quads & 1) {
    __asm__ volatile(WINDOW_QUAD
                     : [x0] "=&r"(x0), [x1] "=&r"(x1), [c0] "=&r"(c0), [c1] "=&r"(c1), [t] "=&r"(t), [u] "=&r"(u),
                       [in] "+r"(in), [w] "+r"(w), [out] "+r"(out), [acc] "+r"(acc)
                     : [zero] "r"(zero)
                     : "cc", "memory");
  }
  if (in != end) { /* the rest, two quads a step */
    __asm__ volatile("1:\n\t" WINDOW_QUAD WINDOW_QUAD "cmp %[in], %[end]\n\t"
                     "bne 1b\n\t"
                     : [x0] "=&r"(x0), [x1] "=&r"(x1), [c0] "=&r"(c0), [c1] "=&r"(c1), [t] "=&r"(t), [u] "=&r"(u),
                       [in] "+r"(in), [w] "+r"(w), [out] "+r"(out), [acc] "+r"(acc)
                     : [end] "r"(end), [zero] "r"(zero)
                     : "cc", "memory");
  }
#undef WINDOW_QUAD
  *mag = acc;
#else
  for (int32_t i = 0; i < 2 * quads; i++) {
    uint32_t x, c;
    memcpy(&x, in + 2 * i, sizeof x);
    memcpy(&c, w + 2 * i, sizeof c);
    const uint32_t v = window_pair(x, c);
    memcpy(out + 2 * i, &v, sizeof v);
    *mag |= dsp_abs16(v);
  }
#endif
}

/* frontend_window over samples [0, head) from `first` and [head, window_size) from `rest` (head a
 * multiple of 4, both word-aligned): the hop's new samples are windowed where the caller holds them. */
__attribute__((noinline)) static uint32_t window_two(const frontend_t *fe, const int16_t *first, int32_t head, const int16_t *rest,
                           int16_t *out) {
  /* Two samples per step in packed halves: each product is (in * w) >> 12, which always fits int16
   * (|in| <= 32768, 0 <= w <= 4096). The OR of the magnitudes has the bit length of the largest, which
   * is all the FFT's shift needs; a -32768 (the op's max skips it) is the one magnitude with bit 15
   * set, and sends the rare window to the exact loop. */
  const int32_t n = fe->window_size, tail = n - head, pairs = tail / 2;
  const int16_t *w = fe->window + head;
  int16_t *o = out + head;
  uint32_t mag = 0; /* packed OR of the magnitudes */
  window_quads(first, fe->window, out, head / 4, &mag);
  window_quads(rest, w, o, pairs / 2, &mag);
  if (pairs & 1) {
    uint32_t x, c;
    memcpy(&x, rest + 2 * (pairs - 1), sizeof x);
    memcpy(&c, w + 2 * (pairs - 1), sizeof c);
    const uint32_t v = window_pair(x, c);
    memcpy(o + 2 * (pairs - 1), &v, sizeof v);
    mag |= dsp_abs16(v);
  }
  if (tail & 1) {
    const int32_t v = ((int32_t)rest[tail - 1] * w[tail - 1]) >> WINDOW_BITS;
    o[tail - 1] = (int16_t)v;
    mag |= (uint32_t)(v < 0 ? -v : v);
  }
  if (mag & 0x80008000u) return window_magnitude_bits(out, n) | FRONTEND_WINDOW_RAIL;
  return (mag | (mag >> 16)) & 0x7FFFu;
}

uint32_t frontend_window(const frontend_t *fe, int16_t *out) { return window_two(fe, fe->input, 0, fe->input, out); }

int32_t frontend_fft_shift(uint32_t magnitude_bits) {
  return 15 - bit_length(magnitude_bits & ~FRONTEND_WINDOW_RAIL);
}

uint32_t frontend_sqrt64(uint64_t x) {
  /* The op's digit-by-digit square root rounded to nearest, with its 32-bit shortcut (whose
   * result saturates at 0xFFFF instead of rounding up to 0x10000). */
  if ((x >> 32) == 0) {
    uint32_t num = (uint32_t)x;
    if (num == 0) return 0;
    uint32_t res = 0;
    const int32_t max_bit = (32 - bit_length(num)) | 1;
    uint32_t bit = 1u << (31 - max_bit);
    for (int32_t it = (31 - max_bit) / 2 + 1; it > 0; it--) {
      if (num >= res + bit) {
        num -= res + bit;
        res = (res >> 1) + bit;
      } else {
        res >>= 1;
      }
      bit >>= 2;
    }
    if (num > res && res != 0xFFFF) ++res;
    return (uint16_t)res;
  }
  uint64_t num = x, res = 0;
  const int32_t max_bit = (64 - bit_length64(num)) | 1;
  uint64_t bit = 1ull << (63 - max_bit);
  for (int32_t it = (63 - max_bit) / 2 + 1; it > 0; it--) {
    if (num >= res + bit) {
      num -= res + bit;
      res = (res >> 1) + bit;
    } else {
      res >>= 1;
    }
    bit >>= 2;
  }
  if (num > res && res != 0xFFFFFFFFull) ++res;
  return (uint32_t)res;
}

/* A float rounded to the nearest integer. On the M4F one VCVTR (FPSCR's round-to-nearest, ties to
 * even); elsewhere + 0.5 and truncation (ties up). The callers correct an off-by-one either way. */
static inline uint32_t round_float_u32(float f) {
#if defined(__ARM_FEATURE_DSP) && defined(__ARM_FP)
  float r;
  __asm__("vcvtr.u32.f32 %0, %1" : "=t"(r) : "t"(f));
  uint32_t u;
  memcpy(&u, &r, sizeof u); /* the integer's bits, moved by one VMOV */
  return u;
#else
  return (uint32_t)(f + 0.5f);
#endif
}

/* frontend_sqrt64's result for x < 2^32, fast: the op rounds to the nearest integer (x > r^2 + r
 * sends floor r up; no tie is possible) and saturates at 0xFFFF. A float square root (VSQRT on the
 * M4F) lands within 0.01 of sqrt(x) (float keeps 24 bits of x), so rounding it is off by at most
 * one. r is right exactly when r^2 - r < x <= r^2 + r, that is when x - r^2 + r - 1 lies in
 * [0, 2r): one unsigned comparison (r is within one of sqrt(x), so the wrapped difference of a
 * wrong r lands far above 2r), with the rare corrections out of line. */
static inline uint32_t sqrt32_round(uint32_t x) {
  const uint32_t r = round_float_u32(sqrtf((float)x));
  /* nearest 0xFFFF or 0x10000: the op gives 0xFFFF for both */
  if (__builtin_expect(r > 0xFFFFu, 0)) return 0xFFFFu;
  const uint32_t sq = r * r; /* r <= 0xFFFF: sq + r stays below 2^32 */
  if (__builtin_expect(x + (r - 1u) - sq < 2u * r, 1)) return r;
  if (x > sq + r) return r < 0xFFFFu ? r + 1 : r;
  return r != 0 ? r - 1 : 0; /* x <= sq - r; r = 0 only for x = 0, whose result is 0 */
}

/* The same for 2^32 <= x < 2^48 (no saturation there): the float seed (x's two halves converted
 * and summed) is within about two units, and steps of the boundaries r^2 +- r make it exact. */
static inline uint32_t sqrt48_round(uint64_t x) {
  const float f = (float)(uint32_t)(x >> 32) * 4294967296.0f + (float)(uint32_t)x;
  uint32_t r = (uint32_t)(sqrtf(f) + 0.5f);
  uint64_t sq = (uint64_t)r * r;
  while (x > sq + r) { /* (r + 1)^2 = r^2 + 2r + 1 */
    sq += 2 * (uint64_t)r + 1;
    r++;
  }
  while (x <= sq - r) { /* r >= 2^16 here, so r - 1 stays positive */
    r--;
    sq -= 2 * (uint64_t)r + 1;
  }
  return r;
}

/* frontend_sqrt64's result for any x: the two cases above, and the op's digit-by-digit loop for
 * huge inputs, where the float seed is too coarse. */
uint32_t frontend_sqrt64_fast(uint64_t x) {
  if ((x >> 32) == 0) return sqrt32_round((uint32_t)x);
  if ((x >> 48) == 0) return sqrt48_round(x);
  return frontend_sqrt64(x);
}

/* One bin's |X|^2 as the op computes it: int32 with its wrap-around (only X = (-32768, -32768)
 * wraps), then sign-extended by the op's cast to uint64. */
static inline int64_t bin_energy(const frontend_cpx_t *x) {
  const uint32_t packed = cpx_load(x);
  return (int64_t)(int32_t)dsp_smuad(packed, packed);
}

/* Every band's sums in one pass: bands[b] = sum of e w over band b's bins + sum of e uw over band
 * b - 1's (each bin's energy adds weight*e to the channel below its band and unweight*e to its own
 * band's channel, so a band's unweighted sum seeds the next band's weighted one). x is the first
 * bin, stop the bands' end pointers up to a NULL. A band's odd bin goes alone, the rest in pairs. */
static void band_sums(const frontend_cpx_t *x, const frontend_cpx_t *const *stop, const int32_t *w,
                      const int32_t *uw, uint64_t *sums) {
#if defined(__ARM_FEATURE_DSP)
  /* On the M4 in assembly, all fourteen registers: the four 64-bit accumulator halves, the pointers,
   * and four data. With the weights as int32, one LDRD fetches two bins' weights and SMLAL adds e w
   * to 64 bits: 11 instructions per two bins. A band's unweighted sum is the next band's weighted
   * one, so the two accumulator pairs swap roles from band to band (two copies of the band code, A
   * and B) instead of being moved: 11.5 instructions a band. */
  const frontend_cpx_t *end;
  uint32_t wl = 0, wh = 0, ul = 0, uh = 0, e0, e1, c0, c1;
/* One band whose weighted sum accumulates in (W, WH) and unweighted in (U, UH); stores the weighted
 * sum and clears (W, WH), which take the next band's unweighted sum. */
#define BAND_SUMS(W, WH, U, UH, L)                   \
  "ldr %[end], [%[stop]], #4\n\t"                   \
  "cmp %[end], #0\n\t"                              \
  "beq 9f\n\t"                                      \
  "sub %[e0], %[end], %[x]\n\t"                     \
  "tst %[e0], #4\n\t" /* an odd number of bins */   \
  "beq " L "2f\n\t"                                 \
  "ldr %[e0], [%[x]], #4\n\t"                       \
  "ldr %[c0], [%[w]], #4\n\t"                       \
  "ldr %[c1], [%[uw]], #4\n\t"                      \
  "smuad %[e0], %[e0], %[e0]\n\t"                   \
  "smlal %[" W "], %[" WH "], %[e0], %[c0]\n\t"     \
  "smlal %[" U "], %[" UH "], %[e0], %[c1]\n\t"     \
  L "2:\n\t"                                        \
  "cmp %[x], %[end]\n\t"                            \
  "beq " L "4f\n\t"                                 \
  L "3:\n\t"                                        \
  "ldrd %[e0], %[e1], [%[x]], #8\n\t"               \
  "ldrd %[c0], %[c1], [%[w]], #8\n\t"               \
  "smuad %[e0], %[e0], %[e0]\n\t"                   \
  "smuad %[e1], %[e1], %[e1]\n\t"                   \
  "smlal %[" W "], %[" WH "], %[e0], %[c0]\n\t"     \
  "smlal %[" W "], %[" WH "], %[e1], %[c1]\n\t"     \
  "ldrd %[c0], %[c1], [%[uw]], #8\n\t"              \
  "smlal %[" U "], %[" UH "], %[e0], %[c0]\n\t"     \
  "smlal %[" U "], %[" UH "], %[e1], %[c1]\n\t"     \
  "cmp %[x], %[end]\n\t"                            \
  "bne " L "3b\n\t"                                 \
  L "4:\n\t"                                        \
  "strd %[" W "], %[" WH "], [%[sums]], #8\n\t"     \
  "mov %[" W "], #0\n\t"                            \
  "mov %[" WH "], #0\n\t"
  __asm__ volatile(
      "1:\n\t" BAND_SUMS("wl", "wh", "ul", "uh", "1") BAND_SUMS("ul", "uh", "wl", "wh", "5") "b 1b\n\t"
      "9:\n\t"
      : [end] "=&r"(end), [e0] "=&r"(e0), [e1] "=&r"(e1), [c0] "=&r"(c0), [c1] "=&r"(c1), [x] "+r"(x),
        [stop] "+r"(stop), [w] "+r"(w), [uw] "+r"(uw), [sums] "+r"(sums), [wl] "+r"(wl), [wh] "+r"(wh),
        [ul] "+r"(ul), [uh] "+r"(uh)
      :
      : "cc", "memory");
#undef BAND_SUMS
#else
  uint64_t carry = 0;
  for (; *stop != NULL; stop++) {
    const frontend_cpx_t *end = *stop;
    uint64_t wsum = carry, usum = 0;
    if ((end - x) & 1) {
      const int64_t e = bin_energy(x++);
      wsum += (uint64_t)(e * *w++);
      usum += (uint64_t)(e * *uw++);
    }
    for (; x < end; x += 2, w += 2, uw += 2) {
      const int64_t e0 = bin_energy(x), e1 = bin_energy(x + 1);
      wsum += (uint64_t)(e0 * w[0]) + (uint64_t)(e1 * w[1]);
      usum += (uint64_t)(e0 * uw[0]) + (uint64_t)(e1 * uw[1]);
    }
    *sums++ = wsum;
    carry = usum;
  }
#endif
}

void frontend_filterbank(frontend_t *fe, int32_t shift) {
  band_sums(fe->fft + fe->start_index, fe->band_stop, fe->weights, fe->unweights, fe->band_sums);
  /* Band 0's weighted sum feeds no channel; channel c takes band c + 1's. */
  const uint64_t *sums = fe->band_sums + 1;
  uint32_t *signal = fe->signal; /* locals: the stores through it could otherwise alias *fe */
  const int32_t channels = fe->num_channels;
  for (int32_t c = 0; c < channels; c++) {
    const uint64_t total = sums[c];
    uint32_t root;
    if (__builtin_expect((total >> 32) == 0, 1)) {
      root = sqrt32_round((uint32_t)total);
    } else {
      root = (total >> 48) == 0 ? sqrt48_round(total) : frontend_sqrt64(total);
    }
    signal[c] = root >> shift;
  }
}

/* One channel of noise reduction: updates *noise and returns the reduced signal. The coefficients are
 * Q`q`: the op's Q14 (q = 14), or Q14 pre-shifted by 18 (q = 32; each below 2^14, so the shifted ones
 * fit 32 bits), where the >> 14 of each 64-bit product or sum is its high word, with no shift. The sum
 * of the two estimate products stays below 2^46 * 2^18 = 2^64, so nothing is lost. */
static inline uint32_t reduce_noise(uint32_t signal, uint32_t *noise, uint32_t smoothing, uint32_t one_minus,
                                    uint32_t floor_q, int32_t bits, int32_t q) {
  const uint32_t scaled = signal << bits;
  uint32_t estimate = (uint32_t)(((uint64_t)scaled * smoothing + (uint64_t)*noise * one_minus) >> q);
  *noise = estimate;
  if (estimate > scaled) estimate = scaled;
  const uint32_t floor = (uint32_t)(((uint64_t)signal * floor_q) >> q);
  const uint32_t subtracted = (scaled - estimate) >> bits;
  return subtracted > floor ? subtracted : floor;
}

void frontend_noise_reduction(frontend_t *fe, uint32_t *signal) {
  /* Settings in locals: the stores through signal and the estimate could otherwise alias *fe.
   * Channels go in (even, odd) pairs, so each has its smoothing as a constant. */
  const uint32_t even = fe->even_smoothing, odd = fe->odd_smoothing, floor_q = fe->min_signal_remaining;
  const uint32_t even_rest = (1u << NOISE_REDUCTION_BITS) - even, odd_rest = (1u << NOISE_REDUCTION_BITS) - odd;
  const int32_t bits = fe->smoothing_bits, channels = fe->num_channels;
  uint32_t *noise = fe->noise_estimate;
  int32_t i = 0;
  const uint32_t one = 1u << NOISE_REDUCTION_BITS;
  if (even < one && odd < one && even_rest < one && odd_rest < one && floor_q < one) {
    /* every coefficient below 1.0 (smoothing 0 or 1 takes the general loop) */
    const int32_t up = 32 - NOISE_REDUCTION_BITS;
    const uint32_t e18 = even << up, o18 = odd << up, er18 = even_rest << up, or18 = odd_rest << up,
                   f18 = floor_q << up;
#if defined(__ARM_FEATURE_DSP)
    /* On the M4 in assembly, reduce_noise's arithmetic for each channel of the pairs: UMULL and UMLAL
     * leave the estimate in their high word, SUBS and a conditional MOV clamp the subtraction at 0,
     * and a compare and a conditional MOV take the floor, 16 instructions a channel (GCC's loop took
     * 18, reloading coefficients it had spilled). */
    if (channels >= 2) {
      const uint32_t *end = signal + (channels & ~1);
      uint32_t x, n, a, b, c;
#define NR_CHANNEL(SM, REST)                      \
  "ldr %[x], [%[sig]]\n\t"                       \
  "ldr %[n], [%[noise]]\n\t"                     \
  "lsl %[a], %[x], %[bits]\n\t" /* scaled */     \
  "umull %[b], %[c], %[a], %[" SM "]\n\t"        \
  "umlal %[b], %[c], %[n], %[" REST "]\n\t"      \
  "str %[c], [%[noise]], #4\n\t" /* estimate */  \
  "subs %[a], %[a], %[c]\n\t"                    \
  "it lo\n\t"                                    \
  "movlo %[a], #0\n\t"                           \
  "lsr %[a], %[a], %[bits]\n\t"                  \
  "umull %[b], %[c], %[x], %[f18]\n\t" /* floor */ \
  "cmp %[a], %[c]\n\t"                           \
  "it lo\n\t"                                    \
  "movlo %[a], %[c]\n\t"                         \
  "str %[a], [%[sig]], #4\n\t"
      uint32_t *sig = signal;
      __asm__ volatile("1:\n\t" NR_CHANNEL("e18", "er18") NR_CHANNEL("o18", "or18")
                       "cmp %[sig], %[end]\n\t"
                       "bne 1b\n\t"
                       : [x] "=&r"(x), [n] "=&r"(n), [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(c), [sig] "+r"(sig),
                         [noise] "+r"(noise)
                       : [end] "r"(end), [bits] "r"(bits), [e18] "r"(e18), [er18] "r"(er18), [o18] "r"(o18),
                         [or18] "r"(or18), [f18] "r"(f18)
                       : "cc", "memory");
#undef NR_CHANNEL
      noise = fe->noise_estimate;
      i = channels & ~1;
    }
#endif
    for (; i + 1 < channels; i += 2) {
      const uint32_t s0 = signal[i], s1 = signal[i + 1];
      signal[i] = reduce_noise(s0, noise + i, e18, er18, f18, bits, 32);
      signal[i + 1] = reduce_noise(s1, noise + i + 1, o18, or18, f18, bits, 32);
    }
    if (i < channels) signal[i] = reduce_noise(signal[i], noise + i, e18, er18, f18, bits, 32);
    return;
  }
  for (; i < channels; i++) /* the rare settings: compact rather than fast */
    signal[i] = reduce_noise(signal[i], noise + i, i & 1 ? odd : even, i & 1 ? odd_rest : even_rest, floor_q, bits,
                             NOISE_REDUCTION_BITS);
}

int16_t frontend_wide_dynamic(uint32_t x, const int16_t *lut) {
  if (x <= 2) return lut[x];
  /* Interval i = bit_length(x) holds x in [2^(i-1), 2^i); its curve's three coefficients start at
   * lut[4i - 6] and the op's 10-bit fraction is x's 10 bits below the leading one. Shifting the
   * leading one to bit 31 (by the CLZ count) puts those bits at 21-30 for every interval, where the
   * op shifts left below interval 11 and right above it; the bits shifted in are zeros either way. */
  const uint32_t lz = (uint32_t)__builtin_clz(x);
  lut += PCAN_LUT_TOP - 4 * (int32_t)lz; /* 4 bit_length - 6, as one subtraction from a constant base */
  const int32_t frac = (int32_t)(((x << lz) >> 21) & 0x3FFu);
  /* int32 arithmetic of the op, computed unsigned so an overflow wraps instead of being UB. */
  uint32_t r = (uint32_t)(((int32_t)lut[2] * frac) >> 5);
  r += (uint32_t)lut[1] << 5;
  r *= (uint32_t)frac;
  int32_t result = ((int32_t)(r + (1u << 14))) >> 15;
  result += lut[0];
  return (int16_t)result;
}

static inline uint32_t pcan_shrink(uint32_t x) {
  if (x < (2u << PCAN_SNR_BITS)) return (x * x) >> (2 + 2 * PCAN_SNR_BITS - PCAN_OUTPUT_BITS);
  return (x >> (PCAN_SNR_BITS - PCAN_OUTPUT_BITS)) - (1u << PCAN_OUTPUT_BITS);
}

void frontend_pcan(const frontend_t *fe, uint32_t *signal) {
  const int32_t channels = fe->num_channels, snr_shift = fe->snr_shift; /* locals, as in noise reduction */
  const uint32_t *noise = fe->noise_estimate;
  const int16_t *lut = fe->pcan_lut;
  if (snr_shift < 32) {
    /* The 64-bit shift of the op as two 32-bit ones (the common case: 6 for the spec's defaults);
     * hi << 1 << (31 - s) is hi << (32 - s) kept defined at s = 0. */
    const uint32_t up = 31u - (uint32_t)snr_shift;
    for (int32_t i = 0; i < channels; i++) {
      const uint64_t product = (uint64_t)signal[i] * (uint32_t)(int32_t)frontend_wide_dynamic(noise[i], lut);
      const uint32_t lo = (uint32_t)product, hi = (uint32_t)(product >> 32);
      signal[i] = pcan_shrink((lo >> snr_shift) | ((hi << 1) << up));
    }
    return;
  }
  for (int32_t i = 0; i < channels; i++) {
    const uint32_t gain = (uint32_t)(int32_t)frontend_wide_dynamic(noise[i], lut);
    const uint32_t snr = (uint32_t)(((uint64_t)signal[i] * gain) >> snr_shift);
    signal[i] = pcan_shrink(snr);
  }
}

/* frontend_log without the x = 0 case (the op's log of 0 is 0 - 1 in Q16 wrapped; callers skip it). */
static inline uint32_t log_nonzero(uint32_t x, int32_t scale_shift) {
  /* log2 by table-corrected linear interpolation, then ln and the output scale (all Q16). The op's
   * fraction (x minus its leading one, shifted to Q16: left below 2^16, right above) is bits 15-30 of
   * x shifted up by its CLZ count, for every x: what the op shifts in is zeros, what it shifts out
   * falls below bit 15. Its segment is the top 7 of those bits, its offset in the segment the rest. */
  const uint32_t lz = (uint32_t)__builtin_clz(x);
  const uint32_t top = x << lz;
  const uint32_t frac = (top << 1) >> 16;
  const uint32_t seg = frac >> (LOG_SCALE_LOG2 - LOG_SEGMENTS_LOG2);
  const int32_t c0 = frontend_log_lut[seg], c1 = frontend_log_lut[seg + 1];
  const int32_t rel = ((c1 - c0) * (int32_t)(frac & ((1u << (LOG_SCALE_LOG2 - LOG_SEGMENTS_LOG2)) - 1))) >> LOG_SCALE_LOG2;
  const uint32_t log2 = ((31u - lz) << LOG_SCALE_LOG2) + (uint32_t)((int32_t)frac + c0 + rel);
  /* (LOG_COEFF log2 + 2^15) >> 16 as one rounding high multiply (a signed one on the M4): log2 <
   * 32 * 2^16 + 2^16 + 5641 < 2^22, so log2 << 9 and LOG_COEFF << 7 stay below 2^31, and their
   * product is the same one times 2^16. (log2 can pass 2^21: << 10 would turn negative.) */
  const uint32_t loge = dsp_smmulr(log2 << 9, (uint32_t)LOG_COEFF << 7);
  const uint32_t round = (1u << LOG_SCALE_LOG2) / 2;
  return ((loge << scale_shift) + round) >> LOG_SCALE_LOG2;
}

uint32_t frontend_log(uint32_t x, int32_t scale_shift) {
  if (x == 0) { /* the op's integer part is then -1, wrapped in its uint32 arithmetic (fraction 0) */
    const uint32_t log2 = 0xFFFFFFFFu << LOG_SCALE_LOG2;
    const uint32_t loge = (uint32_t)(((uint64_t)LOG_COEFF * log2 + (1u << 15)) >> LOG_SCALE_LOG2);
    return ((loge << scale_shift) + (1u << 15)) >> LOG_SCALE_LOG2;
  }
  return log_nonzero(x, scale_shift);
}

void frontend_log_scale(const frontend_t *fe, const uint32_t *signal, uint16_t *out) {
  const int32_t corr = fe->correction_bits, channels = fe->num_channels, scale_shift = fe->scale_shift;
  if (!fe->enable_log) {
    for (int32_t i = 0; i < channels; i++) out[i] = (uint16_t)(signal[i] < 0xFFFFu ? signal[i] : 0xFFFFu);
    return;
  }
  for (int32_t i = 0; i < channels; i++) {
    uint32_t v = signal[i];
    v = corr < 0 ? v >> -corr : v << corr;
    /* The op then clamps to 0xFFFF, but its log is a uint32 shifted right by 16, which always fits. */
    out[i] = (uint16_t)(v > 1 ? log_nonzero(v, scale_shift) : 0);
  }
}

int frontend_pcan_log(const frontend_t *fe, const uint32_t *signal, uint16_t *out) {
#if defined(__ARM_FEATURE_DSP)
  /* On the M4 in assembly, for the settings every spec uses (PCAN and the log on, a 512-point FFT's
   * correction of 3, an SNR shift of 6, a log scale shift of 6), whose shifts become immediates: each
   * channel's PCAN gain (frontend_wide_dynamic), SNR and shrink, then its log, in registers from the
   * noise estimate and the signal to the feature (50 instructions a channel against 55 for the two C
   * loops, which store the PCAN output and load it back). The log's last steps ((loge << 6) + 2^15) >>
   * 16 are (loge + 512) >> 10: loge < 2^22, so the shift never wraps. Registers: r0 the noise
   * estimates, r1 the signal, r2 out, r3 the estimates' end, r4 the PCAN table's top interval (interval
   * i's coefficients start 8 lz bytes below it, lz = 32 - i), r5 the log table, r6 ln 2 in Q16 << 7,
   * r7-r12 and lr temporaries. */
  enum { CORR = 3, SNR = 6, SCALE = 6, TOP = PCAN_LUT_TOP };
  if (!fe->enable_pcan || !fe->enable_log || fe->correction_bits != CORR || fe->snr_shift != SNR ||
      fe->scale_shift != SCALE || fe->num_channels < 1)
    return 0;
  register const uint32_t *noise_r __asm__("r0") = fe->noise_estimate;
  register const uint32_t *sig_r __asm__("r1") = signal;
  register uint16_t *out_r __asm__("r2") = out;
  register const uint32_t *end_r __asm__("r3") = fe->noise_estimate + fe->num_channels;
  register const int16_t *plut_r __asm__("r4") = fe->pcan_lut + TOP;
  register const uint16_t *llut_r __asm__("r5") = frontend_log_lut;
  register uint32_t coef_r __asm__("r6") = (uint32_t)LOG_COEFF << 7;
  __asm__ volatile(
      "1:\n\t"
      "ldr r7, [r0], #4\n\t" /* x: the noise estimate */
      "ldr r8, [r1], #4\n\t" /* the signal */
      "cmp r7, #2\n\t"
      "bls 5f\n\t"
      "clz r9, r7\n\t"
      "lsl r10, r7, r9\n\t"
      "ubfx r10, r10, #21, #10\n\t" /* frac: the 10 bits below the leading one */
      "sub r11, r4, r9, lsl #3\n\t" /* &lut[TOP - 4 lz] */
      "ldrsh r12, [r11, #4]\n\t"
      "mul r12, r12, r10\n\t"
      "asr r12, r12, #5\n\t"
      "ldrsh lr, [r11, #2]\n\t"
      "add r12, r12, lr, lsl #5\n\t"
      "mul r12, r12, r10\n\t"
      "add r12, r12, #16384\n\t"
      "ldrsh lr, [r11]\n\t"
      "add r12, lr, r12, asr #15\n\t"
      "sxth r12, r12\n\t" /* the gain */
      "2:\n\t"
      "umull r9, r10, r8, r12\n\t"
      "lsl r10, r10, %[hi_up]\n\t"
      "orr r7, r10, r9, lsr %[snr]\n\t" /* the SNR: the product >> SNR */
      "lsr r8, r7, %[big_shift]\n\t"
      "sub r8, r8, %[big_sub]\n\t"
      "cmp r7, %[small_below]\n\t"
      "itt lo\n\t"
      "mullo r8, r7, r7\n\t"
      "lsrlo r8, r8, %[small_shift]\n\t" /* pcan_shrink */
      "lsl r7, r8, %[corr]\n\t"          /* the log's correction */
      "cmp r7, #1\n\t"
      "bls 6f\n\t"
      "clz r9, r7\n\t"
      "lsl r7, r7, r9\n\t"
      "ubfx r10, r7, %[seg_pos], %[seg_bits]\n\t" /* segment */
      "ldrh r11, [r5, r10, lsl #1]\n\t"
      "add r10, r10, #1\n\t"
      "ldrh r12, [r5, r10, lsl #1]\n\t"
      "sub r12, r12, r11\n\t"
      "ubfx r10, r7, %[frac_pos], %[off_bits]\n\t"
      "mul r12, r12, r10\n\t"
      "ubfx r7, r7, %[frac_pos], %[frac_bits]\n\t" /* frac */
      "add r7, r7, r11\n\t"
      "add r7, r7, r12, asr %[frac_bits]\n\t"
      "rsb r9, r9, #31\n\t"
      "add r7, r7, r9, lsl %[frac_bits]\n\t" /* log2 */
      "lsl r7, r7, #9\n\t"
      "smmulr r7, r7, r6\n\t"
      "add r7, r7, %[round]\n\t"
      "lsr r7, r7, %[down]\n\t"
      "3:\n\t"
      "strh r7, [r2], #2\n\t"
      "cmp r0, r3\n\t"
      "bne 1b\n\t"
      "b 9f\n\t"
      "5:\n\t" /* x <= 2: the gain is lut[x] */
      "sub r11, r4, %[top_bytes]\n\t"
      "ldrsh r12, [r11, r7, lsl #1]\n\t"
      "b 2b\n\t"
      "6:\n\t" /* the log of 0 or 1 is 0 */
      "movs r7, #0\n\t"
      "b 3b\n\t"
      "9:\n\t"
      : "+r"(noise_r), "+r"(sig_r), "+r"(out_r)
      : "r"(end_r), "r"(plut_r), "r"(llut_r), "r"(coef_r), [hi_up] "i"(32 - SNR), [snr] "i"(SNR),
        [big_shift] "i"(PCAN_SNR_BITS - PCAN_OUTPUT_BITS), [big_sub] "i"(1 << PCAN_OUTPUT_BITS),
        [small_below] "i"(2 << PCAN_SNR_BITS), [small_shift] "i"(2 + 2 * PCAN_SNR_BITS - PCAN_OUTPUT_BITS),
        [corr] "i"(CORR), [seg_pos] "i"(31 - LOG_SEGMENTS_LOG2), [seg_bits] "i"(LOG_SEGMENTS_LOG2),
        [frac_pos] "i"(31 - LOG_SCALE_LOG2), [frac_bits] "i"(LOG_SCALE_LOG2),
        [off_bits] "i"(LOG_SCALE_LOG2 - LOG_SEGMENTS_LOG2), [round] "i"(1 << (LOG_SCALE_LOG2 - SCALE - 1)),
        [down] "i"(LOG_SCALE_LOG2 - SCALE), [top_bytes] "i"(2 * TOP)
      : "r7", "r8", "r9", "r10", "r11", "r12", "lr", "cc", "memory");
  return 1;
#else
  (void)fe;
  (void)signal;
  (void)out;
  return 0;
#endif
}

/* ------------------------------------------------------------------------------------------------
 * Streaming and batch */

/* memcpy/memmove for the hop's samples: front to back, so it also serves the window's shift down
 * (dst below src). On the M4, word-aligned multiples of 32 bytes move eight words per LDM/STM pair
 * (the library's copies move a word per instruction, about 750 instructions a hop); anything else
 * takes memmove. */
static void copy_down(void *dst, const void *src, size_t bytes) {
#if defined(__ARM_FEATURE_DSP)
  if ((((uintptr_t)dst | (uintptr_t)src) & 3u) == 0 && (bytes & 31u) == 0 && bytes > 0) {
    const uint8_t *s = src, *end = s + bytes;
    uint8_t *d = dst;
    __asm__ volatile(
        "1:\n\t"
        "ldmia %[s]!, {r4, r5, r6, r7, r8, r9, r10, r11}\n\t"
        "stmia %[d]!, {r4, r5, r6, r7, r8, r9, r10, r11}\n\t"
        "cmp %[s], %[end]\n\t"
        "bne 1b\n\t"
        : [s] "+r"(s), [d] "+r"(d)
        : [end] "r"(end)
        : "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "cc", "memory");
    return;
  }
#endif
  memmove(dst, src, bytes);
}

/* The frame after the window (`window_bits`, frontend_window's result for fe->windowed). */
static void compute_frame(frontend_t *fe, uint16_t *out, uint32_t window_bits) {
  const int32_t shift = frontend_fft_hop(fe, fe->windowed, window_bits);
  fe->last_input_shift = shift;
  frontend_filterbank(fe, shift);
  if (fe->enable_noise_reduction) frontend_noise_reduction(fe, fe->signal);
  if (frontend_pcan_log(fe, fe->signal, out)) return;
  if (fe->enable_pcan) frontend_pcan(fe, fe->signal);
  frontend_log_scale(fe, fe->signal, out);
}

int frontend_process(frontend_t *fe, const int16_t *samples, size_t n, size_t *consumed, uint16_t *out) {
  if (fe == NULL || consumed == NULL || out == NULL || (samples == NULL && n > 0)) return FRONTEND_E_ARG;
  const int32_t keep = fe->window_size - fe->step; /* the samples a window shares with the next */
  if (fe->input_used == keep && n >= (size_t)fe->step && !fe->enable_dc_notch && keep % 4 == 0 &&
      fe->step >= keep && ((uintptr_t)samples & 3u) == 0) {
    /* A whole hop at once: window the kept samples and the caller's new ones where they are, then keep
     * the new window's head (all from the new samples, since the step is at least the overlap). The
     * same frame and state as copying the hop in and shifting the window down, with a third of the
     * copying (-80 instructions a hop on the M4). */
    compute_frame(fe, out, window_two(fe, fe->input, keep, samples, fe->windowed));
    copy_down(fe->input, samples + (fe->step - keep), (size_t)keep * sizeof *samples);
    *consumed = (size_t)fe->step;
    return 1;
  }
  size_t take = (size_t)(fe->window_size - fe->input_used);
  if (take > n) take = n;
  if (fe->enable_dc_notch) {
    frontend_dc_notch(fe, samples, fe->input + fe->input_used, take);
  } else if (take > 0) {
    copy_down(fe->input + fe->input_used, samples, take * sizeof *samples);
  }
  *consumed = take;
  fe->input_used += (int32_t)take;
  if (fe->input_used < fe->window_size) return 0;
  compute_frame(fe, out, frontend_window(fe, fe->windowed));
  copy_down(fe->input, fe->input + fe->step, (size_t)(fe->window_size - fe->step) * sizeof *fe->input);
  fe->input_used -= fe->step;
  return 1;
}

int32_t frontend_run(frontend_t *fe, const int16_t *samples, size_t n, uint16_t *out, size_t max_frames) {
  if (fe == NULL || out == NULL || (samples == NULL && n > 0)) return FRONTEND_E_ARG;
  const size_t frames = n >= (size_t)fe->window_size ? 1 + (n - (size_t)fe->window_size) / (size_t)fe->step : 0;
  if (frames > max_frames || frames > INT32_MAX) return FRONTEND_E_ARG;
  frontend_reset(fe);
  size_t done = 0, pos = 0;
  while (pos < n && done < frames) {
    size_t used = 0;
    const int got = frontend_process(fe, samples + pos, n - pos, &used, out + done * (size_t)fe->num_channels);
    if (got < 0) return got;
    pos += used;
    done += (size_t)got;
  }
  return (int32_t)done;
}

/* ------------------------------------------------------------------------------------------------
 * int8 features */

void frontend_to_int8_micro(const uint16_t *in, size_t n, int8_t *out) {
  for (size_t i = 0; i < n; i++) {
    int32_t v = ((int32_t)in[i] * 256 + 333) / 666 - 128;
    out[i] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
  }
}

int32_t frontend_dynamic_range(float range_db, int32_t scale_shift) {
  /* MLTK: range_db * 2^scale_shift * ln(10) / 20, truncated. */
  return (int32_t)((double)(range_db * (float)(1 << scale_shift)) * 0.11512925465);
}

void frontend_to_int8_dynamic(const uint16_t *in, size_t n, int32_t range, int8_t *out) {
  int32_t max_value = 0;
  for (size_t i = 0; i < n; i++)
    if (in[i] > max_value) max_value = in[i];
  const int32_t min_value = max_value - range > 0 ? max_value - range : 0;
  const int32_t span = max_value - min_value > 1 ? max_value - min_value : 1;
  for (size_t i = 0; i < n; i++) {
    int32_t v = ((int32_t)in[i] - min_value) * 255 / span - 128;
    out[i] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
  }
}

/* The init-time tables against the op's own formulas evaluated with libm (glibc), the way the op
 * builds them: the window for every size, the FFT twiddles for every size, the filterbank and the
 * PCAN gain table over a grid of settings, and the log correction table. Also the libm-free math
 * against libm directly. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "frontend.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846 /* strict C11 hides it; the op uses this value */
#endif

extern const uint16_t frontend_log_lut[130];

static void test_math(void) {
  uint32_t seed = 1;
  int pow_mismatch = 0;
  for (int i = 0; i < 200000; i++) {
    seed = seed * 1664525u + 1013904223u;
    const double x = ((double)(seed >> 8) / 16777216.0 - 0.5) * 4.0 * M_PI;
    CHECK(fabs(frontend_math_cos(x) - cos(x)) <= 4e-16, "cos(%.17g)", x);
    CHECK(fabs(frontend_math_sin(x) - sin(x)) <= 4e-16, "sin(%.17g)", x);
    const double u = (double)(seed >> 8) / 16777216.0 * 12.0;
    CHECK(fabs(frontend_math_log1p(u) - log1p(u)) <= 4e-16 * fabs(log1p(u)) + 1e-300, "log1p(%.17g)", u);
    /* powf over the PCAN table's domain: x + offset in [0.5, 2^32], exponents in [-2, 0]. */
    const float base = (float)ldexp(1.0 + (double)(seed & 0xFFFF) / 65536.0, (int)((seed >> 16) % 33) - 1);
    const float expo = -(float)((seed >> 20) % 2000) / 1000.0f;
    const float mine = frontend_math_powf(base, expo);
    if (mine != powf(base, expo)) {
      /* glibc's powf is not correctly rounded everywhere (its bound is 0.82 ulp); ours must then
       * be the correctly rounded value. Whether that ever moves a PCAN table entry is what
       * test_pcan_grid checks. */
      pow_mismatch++;
      CHECK(mine == (float)powl(base, expo), "powf(%.9g, %.9g) is neither glibc's nor correctly rounded", base, expo);
    }
  }
  printf("math: powf equals glibc's on %d of 200000 inputs (the rest are glibc's rounding misses)\n",
         200000 - pow_mismatch);
  CHECK(pow_mismatch < 400, "powf differs from glibc on %d of 200000 inputs", pow_mismatch);
}

static void test_window_all_sizes(void) {
  static int16_t got[FRONTEND_MAX_WINDOW_SAMPLES];
  /* Every size up to 2048 samples, then a sample of the larger ones (keeps the sanitizer run short). */
  for (int32_t size = 4; size <= FRONTEND_MAX_WINDOW_SAMPLES; size += size < 2048 ? 1 : 13) {
    frontend_window_table(got, size);
    const float arg = M_PI * 2.0 / ((float)size);
    for (int32_t i = 0; i < size; i++) {
      const float v = 0.5 - (0.5 * cos(arg * (i + 0.5)));
      const int16_t want = floor(v * (1 << 12) + 0.5);
      CHECK(got[i] == want, "window size %d [%d]: %d != %d", size, i, got[i], want);
    }
  }
}

static void test_twiddles_all_sizes(void) {
  static frontend_cpx_t tw[4096], super[2048];
  for (int32_t fft = 4; fft <= 8192; fft *= 2) {
    frontend_twiddle_tables(tw, super, fft);
    const int32_t n = fft / 2;
    const double pi = 3.141592653589793238462643383279502884197169399375105820974944;
    for (int32_t i = 0; i < n; i++) {
      const double phase = -2 * pi * i / n;
      CHECK(tw[i].r == (int16_t)floor(.5 + 32767 * cos(phase)) && tw[i].i == (int16_t)floor(.5 + 32767 * sin(phase)),
            "twiddle fft %d [%d]", fft, i);
    }
    for (int32_t i = 0; i < n / 2; i++) {
      const double phase = -3.14159265358979323846264338327 * ((double)(i + 1) / n + .5);
      CHECK(super[i].r == (int16_t)floor(.5 + 32767 * cos(phase)) && super[i].i == (int16_t)floor(.5 + 32767 * sin(phase)),
            "super twiddle fft %d [%d]", fft, i);
    }
    CHECK(tw[0].r == 32767 && tw[0].i == 0, "twiddle 0 must be (32767, 0): the fast FFT relies on it");
  }
}

/* The op's filterbank construction (FilterbankPopulateState) with libm, for comparison. */
static float mel(float f) { return 1127.0 * log1p(f / 700.0); }

static void test_filterbank_grid(void) {
  static uint64_t memory[65536];
  frontend_t fe;
  static const int32_t rates[] = {8000, 16000, 22050, 44100};
  static const int32_t sizes_ms[] = {20, 25, 30, 32, 40, 64};
  static const int32_t channels[] = {10, 20, 30, 32, 40, 64, 80, 128};
  static const float lowers[] = {0.0f, 20.0f, 60.0f, 125.0f, 300.0f};
  static const float uppers[] = {3800.0f, 5000.0f, 6000.0f, 7500.0f, 7999.0f, 11025.0f};
  int32_t configs = 0;
  for (size_t a = 0; a < 4; a++)
    for (size_t b = 0; b < 6; b++)
      for (size_t c = 0; c < 8; c++)
        for (size_t d = 0; d < 5; d++)
          for (size_t e = 0; e < 6; e++) {
            frontend_config_t cfg;
            frontend_config_default(&cfg);
            cfg.sample_rate = rates[a];
            cfg.window_size_ms = sizes_ms[b];
            cfg.window_step_ms = 10;
            cfg.num_channels = channels[c];
            cfg.lower_band_limit = lowers[d];
            cfg.upper_band_limit = uppers[e];
            cfg.smoothing_bits = 12;
            cfg.gain_bits = 24;
            if (frontend_config_check(&cfg) != NULL || frontend_state_size(&cfg) > sizeof memory) continue;
            const int status = frontend_init(&fe, &cfg, memory, sizeof memory);
            /* The op's construction, step by step. */
            const int32_t spectrum = fe.fft_size / 2 + 1;
            const int32_t bands = cfg.num_channels + 1;
            const float mel_low = mel(cfg.lower_band_limit), mel_hi = mel(cfg.upper_band_limit);
            const float spacing = (mel_hi - mel_low) / ((float)bands);
            const float hz = 0.5 * cfg.sample_rate / ((float)spectrum - 1);
            const int32_t start = 1.5 + cfg.lower_band_limit / hz;
            int32_t f = start, ok = 1, mismatch = 0;
            for (int32_t ch = 0; ch < bands && ok; ch++) {
              const float center = mel_low + (spacing * (ch + 1));
              const float denom = ch == 0 ? mel_low : mel_low + (spacing * ch);
              while (ok && mel(f * hz) <= center) {
                const float w = (center - mel(f * hz)) / (center - denom);
                const int16_t weight = floor(w * (1 << 12) + 0.5);
                const int16_t unweight = floor((1.0 - w) * (1 << 12) + 0.5);
                if (status == FRONTEND_OK &&
                    (fe.weights[f - start] != weight || fe.unweights[f - start] != unweight))
                  mismatch++;
                if (++f >= spectrum) ok = 0;
              }
              if (ok && status == FRONTEND_OK && fe.band_end[ch] != f) mismatch++;
            }
            CHECK(ok ? status == FRONTEND_OK : status == FRONTEND_E_BANDS, "status %d vs op %s (rate %d, %d ms, %d ch, %g-%g Hz)",
                  status, ok ? "ok" : "fails", cfg.sample_rate, cfg.window_size_ms, cfg.num_channels,
                  cfg.lower_band_limit, cfg.upper_band_limit);
            if (status == FRONTEND_OK) {
              CHECK(fe.start_index == start && fe.end_index == f && mismatch == 0,
                    "filterbank differs (rate %d, %d ms, %d ch, %g-%g Hz): %d mismatches", cfg.sample_rate,
                    cfg.window_size_ms, cfg.num_channels, cfg.lower_band_limit, cfg.upper_band_limit, mismatch);
              configs++;
            }
          }
  CHECK(configs > 1000, "only %d filterbank configurations built", configs);
  printf("filterbank: %d configurations identical to the op's construction\n", configs);
}

static int16_t op_pcan_gain(float strength, float offset, int32_t gain_bits, int32_t input_bits, uint32_t x) {
  const float xf = ((float)x) / ((uint32_t)1 << input_bits);
  const float gain = ((uint32_t)1 << gain_bits) * powf(xf + offset, -strength);
  if (gain > 0x7FFF) return 0x7FFF;
  return (int16_t)(gain + 0.5f);
}

static void test_pcan_grid(void) {
  static uint64_t memory[4096];
  frontend_t fe;
  static const float strengths[] = {0.3f, 0.5f, 0.8f, 0.95f, 1.0f, 1.3f};
  static const float offsets[] = {0.5f, 1.0f, 10.0f, 40.0f, 80.0f, 200.0f, 1000.0f};
  static const int32_t gains[] = {16, 18, 21, 24, 28};
  static const int32_t smoothing[] = {5, 8, 10, 12, 14};
  static const int32_t sizes_ms[] = {20, 30, 40, 64};
  int32_t tables = 0;
  for (size_t a = 0; a < 6; a++)
    for (size_t b = 0; b < 7; b++)
      for (size_t c = 0; c < 5; c++)
        for (size_t d = 0; d < 5; d++)
          for (size_t e = 0; e < 4; e++) {
            frontend_config_t cfg;
            frontend_config_default(&cfg);
            cfg.pcan_strength = strengths[a];
            cfg.pcan_offset = offsets[b];
            cfg.gain_bits = gains[c];
            cfg.smoothing_bits = smoothing[d];
            cfg.window_size_ms = sizes_ms[e];
            if (frontend_config_check(&cfg) != NULL) continue;
            CHECK(frontend_init(&fe, &cfg, memory, sizeof memory) == FRONTEND_OK, "init");
            const int32_t input_bits = cfg.smoothing_bits - fe.correction_bits;
            int16_t want[125];
            want[0] = op_pcan_gain(cfg.pcan_strength, cfg.pcan_offset, cfg.gain_bits, input_bits, 0);
            want[1] = op_pcan_gain(cfg.pcan_strength, cfg.pcan_offset, cfg.gain_bits, input_bits, 1);
            for (int32_t interval = 2; interval <= 32; interval++) {
              const uint32_t x0 = (uint32_t)1 << (interval - 1);
              const uint32_t x1 = x0 + (x0 >> 1);
              const uint32_t x2 = (interval == 32) ? x0 + (x0 - 1) : 2 * x0;
              const int16_t y0 = op_pcan_gain(cfg.pcan_strength, cfg.pcan_offset, cfg.gain_bits, input_bits, x0);
              const int16_t y1 = op_pcan_gain(cfg.pcan_strength, cfg.pcan_offset, cfg.gain_bits, input_bits, x1);
              const int16_t y2 = op_pcan_gain(cfg.pcan_strength, cfg.pcan_offset, cfg.gain_bits, input_bits, x2);
              const int32_t a1 = 4 * ((int32_t)y1 - y0) - ((int32_t)y2 - y0);
              want[4 * interval - 6] = y0;
              want[4 * interval - 5] = (int16_t)a1;
              want[4 * interval - 4] = (int16_t)(((int32_t)y2 - y0) - a1);
            }
            int32_t diff = 0;
            for (int32_t i = 0; i < 125; i++)
              if ((i + 3) % 4 != 0 || i < 2) diff += fe.pcan_lut[i] != want[i];
            CHECK(diff == 0, "PCAN table differs in %d entries (strength %g offset %g gain_bits %d smoothing %d)", diff,
                  cfg.pcan_strength, cfg.pcan_offset, cfg.gain_bits, cfg.smoothing_bits);
            tables++;
          }
  printf("pcan: %d gain tables identical to the op's\n", tables);
}

static void test_log_lut(void) {
  for (int32_t k = 0; k < 128; k++) {
    const double f = k / 128.0;
    const int32_t want = (int32_t)floor((log2(1.0 + f) - f) * 65536.0 + 0.5);
    CHECK(frontend_log_lut[k] == want, "log lut [%d] %d != %d", k, frontend_log_lut[k], want);
  }
  CHECK(frontend_log_lut[128] == 0 && frontend_log_lut[129] == 0, "log lut tail");
}

int main(void) {
  test_math();
  test_window_all_sizes();
  test_twiddles_all_sizes();
  test_filterbank_grid();
  test_pcan_grid();
  test_log_lut();
  return check_report("frontend_tables_test");
}

/* One test per stage: each against an independent statement of what the stage must compute
 * (the op's arithmetic written out, a brute-force definition, or a hand-worked value), plus the
 * fast paths against their plain references and streaming against batch. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "frontend.h"
#include "log_op.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static uint64_t memory[8192];

static uint32_t seed = 7;
static uint32_t rnd(void) {
  seed = seed * 1664525u + 1013904223u;
  return seed;
}

static void init_default(frontend_t *fe, frontend_config_t *cfg) {
  frontend_config_default(cfg);
  CHECK(frontend_init(fe, cfg, memory, sizeof memory) == FRONTEND_OK, "init with defaults");
}

static void test_config_errors(void) {
  frontend_config_t cfg;
  frontend_t fe;
  frontend_config_default(&cfg);
  CHECK(frontend_config_check(&cfg) == NULL, "defaults are valid");
  CHECK(frontend_state_size(&cfg) > 0 && frontend_state_size(&cfg) < 16384, "state size %zu", frontend_state_size(&cfg));
  frontend_config_t bad = cfg;
  bad.num_channels = 0;
  CHECK(frontend_config_check(&bad) && strstr(frontend_config_check(&bad), "num_channels"), "num_channels named");
  CHECK(frontend_state_size(&bad) == 0, "invalid settings have no size");
  CHECK(frontend_init(&fe, &bad, memory, sizeof memory) == FRONTEND_E_CONFIG, "init refuses bad settings");
  bad = cfg;
  bad.window_step_ms = 40;
  CHECK(frontend_config_check(&bad) && strstr(frontend_config_check(&bad), "window_step_ms"), "step above window named");
  bad = cfg;
  bad.even_smoothing = NAN;
  CHECK(frontend_config_check(&bad) && strstr(frontend_config_check(&bad), "even_smoothing"), "NaN smoothing named");
  bad = cfg;
  bad.upper_band_limit = 100.0f;
  CHECK(frontend_config_check(&bad) && strstr(frontend_config_check(&bad), "upper_band_limit"), "upper below lower");
  bad = cfg;
  bad.gain_bits = 10;
  CHECK(frontend_config_check(&bad) && strstr(frontend_config_check(&bad), "gain_bits"), "gain_bits too small");
  bad = cfg;
  bad.upper_band_limit = 9000.0f; /* above Nyquist at 16 kHz: the op fails to build its filterbank */
  CHECK(frontend_config_check(&bad) == NULL && frontend_init(&fe, &bad, memory, sizeof memory) == FRONTEND_E_BANDS,
        "filterbank past Nyquist");
  CHECK(frontend_init(&fe, &cfg, memory, frontend_state_size(&cfg) - 1) == FRONTEND_E_BUFFER, "short buffer");
  CHECK(frontend_init(&fe, &cfg, (uint8_t *)memory + 4, sizeof memory - 8) == FRONTEND_E_BUFFER, "misaligned buffer");
  CHECK(frontend_init(&fe, &cfg, memory, frontend_state_size(&cfg)) == FRONTEND_OK, "exact-size buffer");
  CHECK(strstr(frontend_error_text(FRONTEND_E_BANDS), "upper_band_limit") != NULL, "error text");
}

static void test_window(void) {
  frontend_t fe;
  frontend_config_t cfg;
  init_default(&fe, &cfg);
  CHECK(fe.window_size == 480 && fe.step == 320 && fe.fft_size == 512, "sizes");
  /* A Hann window in Q12: ~0 at the ends, 4096 in the middle, symmetric to within rounding. */
  CHECK(fe.window[0] == 0 && fe.window[239] == 4096 && fe.window[240] == 4096, "shape %d %d", fe.window[0], fe.window[239]);
  for (int32_t i = 0; i < 480; i++) CHECK(abs(fe.window[i] - fe.window[479 - i]) <= 1, "symmetry at %d", i);
  static int16_t out[480];
  for (int32_t i = 0; i < 480; i++) fe.input[i] = (int16_t)(rnd() >> 16);
  fe.input[240] = -32768; /* |-32768 * 4096 >> 12| wraps in the op's int16 abs and never counts */
  const uint32_t bits = frontend_window(&fe, out);
  int32_t want_max = 0;
  for (int32_t i = 0; i < 480; i++) {
    const int32_t v = ((int32_t)fe.input[i] * fe.window[i]) >> 12;
    CHECK(out[i] == v, "window value %d", i);
    if (v != -32768 && abs(v) > want_max) want_max = abs(v);
  }
  /* The op's shift: 15 - bit length of its max (fe.input[240] * 4096 >> 12 = -32768 is skipped). */
  const int32_t want_shift = 15 - (want_max ? 32 - __builtin_clz((uint32_t)want_max) : 0);
  CHECK(frontend_fft_shift(bits) == want_shift, "shift %d want %d", frontend_fft_shift(bits), want_shift);
  for (int32_t i = 0; i < 480; i++) fe.input[i] = 0;
  CHECK(frontend_fft_shift(frontend_window(&fe, out)) == 15, "silence: shift 15 as in the op");
  fe.input[100] = -32768; /* the op's abs counts -32768 * coef >> 12 when coef < 4096 */
  const int32_t v100 = -((-32768 * fe.window[100]) >> 12);
  CHECK(v100 > 0 && frontend_fft_shift(frontend_window(&fe, out)) == 15 - (32 - __builtin_clz((uint32_t)v100)),
        "rail off the centre");
}

static void test_fft(void) {
  /* Fast packed FFT against the plain reference for every size, on random, full-scale and tonal
   * inputs at every input shift. */
  static uint64_t mem[65536];
  static int16_t windowed[8192];
  static frontend_cpx_t ref[4097];
  int32_t sizes = 0;
  for (int32_t ms = 1; ms <= 256; ms *= 2) {
    frontend_config_t cfg;
    frontend_t fe;
    frontend_config_default(&cfg);
    cfg.sample_rate = 16000;
    cfg.window_size_ms = ms;
    cfg.window_step_ms = 1;
    cfg.num_channels = 2;
    /* Band limits from low to high, so the filterbank's first and last bins move (and which split
     * steps the per-hop FFT skips). */
    cfg.lower_band_limit = (ms % 3 == 0) ? 20.0f : 1000.0f;
    cfg.upper_band_limit = (ms % 4 == 0) ? 7990.0f : (ms % 3 == 0) ? 2000.0f : 7000.0f;
    if (frontend_init(&fe, &cfg, mem, sizeof mem) != FRONTEND_OK) continue;
    sizes++;
    for (int32_t trial = 0; trial < 24; trial++) {
      memset(windowed, 0, sizeof windowed);
      for (int32_t i = 0; i < fe.window_size; i++) {
        switch (trial % 4) {
          case 0: windowed[i] = (int16_t)(rnd() >> 16); break;
          case 1: windowed[i] = (i & 1) ? 32767 : -32768; break;
          case 2: windowed[i] = (int16_t)(20000.0 * sin(0.3 * i + trial)); break;
          default: windowed[i] = (int16_t)((int32_t)(rnd() >> 16) >> (trial % 16)); break;
        }
      }
      const int32_t shift = (int32_t)(rnd() % 16);
      frontend_fft_reference(&fe, windowed, shift);
      memcpy(ref, fe.fft, (size_t)(fe.fft_size / 2 + 1) * sizeof *ref);
      frontend_fft(&fe, windowed, shift);
      CHECK(memcmp(ref, fe.fft, (size_t)(fe.fft_size / 2 + 1) * sizeof *ref) == 0, "fast FFT differs, size %d trial %d",
            fe.fft_size, trial);
      /* The per-hop variant: the filterbank's bins, with the band limits of trial's choice. */
      memset(fe.fft, 0x55, (size_t)(fe.fft_size / 2 + 1) * sizeof *ref);
      frontend_fft_for_filterbank(&fe, windowed, shift);
      CHECK(memcmp(ref + fe.start_index, fe.fft + fe.start_index,
                   (size_t)(fe.end_index - fe.start_index) * sizeof *ref) == 0,
            "filterbank bins differ, size %d trial %d", fe.fft_size, trial);
    }
  }
  CHECK(sizes >= 8, "only %d FFT sizes initialised", sizes);
  /* And it is a Fourier transform: a tone at bin 32 of a 512-point FFT peaks there. */
  frontend_t fe;
  frontend_config_t cfg;
  init_default(&fe, &cfg);
  memset(windowed, 0, sizeof windowed);
  for (int32_t i = 0; i < 480; i++) windowed[i] = (int16_t)(8000.0 * cos(2.0 * M_PI * 32.0 * i / 512.0));
  frontend_fft(&fe, windowed, 1);
  int32_t peak = 0;
  double best = 0;
  for (int32_t k = 0; k <= 256; k++) {
    const double m = hypot(fe.fft[k].r, fe.fft[k].i);
    if (m > best) best = m, peak = k;
  }
  CHECK(peak == 32, "tone peaks at bin %d", peak);
}

static uint32_t sqrt_definition(uint64_t x) {
  /* Round to nearest, saturating as the op does at 0xFFFF (x < 2^32) and 0xFFFFFFFF. */
  typedef unsigned __int128 u128;
  uint64_t r = (uint64_t)sqrtl((long double)x);
  if (r > 0xFFFFFFFFull) r = 0xFFFFFFFFull;
  while ((u128)r * r > x) r--;
  while (r < 0xFFFFFFFFull && (u128)(r + 1) * (r + 1) <= x) r++;
  const uint64_t limit = (x >> 32) ? 0xFFFFFFFFull : 0xFFFFull;
  if (x - r * r > r && r != limit) r++;
  return (uint32_t)r;
}

/* The per-hop FFT (frontend_fft_hop) at the shift of the window it is given, against the reference:
 * quiet windows (large shifts, the exact first stage) and windows holding a -32768 (the rail: with a
 * shift, the general path), at every FFT size. */
static void test_fft_hop(void) {
  static uint64_t mem[65536];
  static frontend_cpx_t ref[4097];
  int32_t rails = 0, exact = 0;
  for (int32_t ms = 4; ms <= 64; ms *= 2) {
    frontend_config_t cfg;
    frontend_t fe;
    frontend_config_default(&cfg);
    cfg.window_size_ms = ms;
    cfg.window_step_ms = 1;
    cfg.num_channels = 4;
    CHECK(frontend_init(&fe, &cfg, mem, sizeof mem) == FRONTEND_OK, "init %d ms", ms);
    int32_t peak = 0;
    for (int32_t i = 0; i < fe.window_size; i++) peak = fe.window[i] > fe.window[peak] ? i : peak;
    for (int32_t trial = 0; trial < 64; trial++) {
      for (int32_t i = 0; i < fe.window_size; i++) {
        fe.input[i] = trial % 8 == 7 ? (int16_t)((i & 1) ? 32767 : -32768) : (int16_t)((int32_t)(int16_t)(rnd() >> 16) >> (trial % 16));
      }
      if (trial % 3 == 0) fe.input[peak] = -32768;
      const uint32_t bits = frontend_window(&fe, fe.windowed);
      const int32_t shift = frontend_fft_shift(bits);
      rails += (bits & FRONTEND_WINDOW_RAIL) != 0 && shift > 0;
      exact += (bits & FRONTEND_WINDOW_RAIL) == 0 && shift > 0;
      frontend_fft_reference(&fe, fe.windowed, shift);
      memcpy(ref, fe.fft, (size_t)(fe.fft_size / 2 + 1) * sizeof *ref);
      memset(fe.fft, 0x55, (size_t)(fe.fft_size / 2 + 1) * sizeof *ref);
      CHECK(frontend_fft_hop(&fe, fe.windowed, bits) == shift, "hop shift");
      CHECK(memcmp(ref + fe.start_index, fe.fft + fe.start_index,
                   (size_t)(fe.end_index - fe.start_index) * sizeof *ref) == 0,
            "hop FFT differs, size %d trial %d shift %d", fe.fft_size, trial, shift);
    }
  }
  CHECK(rails > 0 && exact > 0, "both paths: %d rails, %d exact", rails, exact);
}

static void test_sqrt(void) {
  static const uint64_t edges[] = {0, 1, 2, 3, 4, 5, 8, 15, 16, 17, 0xFFFE0001ull, 0xFFFF0000ull, 0xFFFF0001ull,
                                   0xFFFFFFFFull, 0x100000000ull, 0xFFFFFFFFFFFFull, 0x1000000000000ull,
                                   0xFFFFFFFE00000001ull, 0xFFFFFFFFFFFFFFFFull};
  for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
    CHECK(frontend_sqrt64(edges[i]) == sqrt_definition(edges[i]), "op sqrt(%llu)", (unsigned long long)edges[i]);
    CHECK(frontend_sqrt64_fast(edges[i]) == frontend_sqrt64(edges[i]), "fast sqrt(%llu)", (unsigned long long)edges[i]);
  }
  /* The fast path's rounding boundaries r^2 - r and r^2 + r, each side, for every 32-bit root and
   * for roots spread over the 48-bit range. */
  for (uint64_t r = 1; r <= 0x10000u; r++) {
    for (int32_t d = -1; d <= 1; d++) {
      const uint64_t lo = r * r - r + (uint64_t)(int64_t)d, hi = r * r + r + (uint64_t)(int64_t)d;
      CHECK(frontend_sqrt64_fast(lo) == frontend_sqrt64(lo), "fast sqrt(%llu)", (unsigned long long)lo);
      CHECK(frontend_sqrt64_fast(hi) == frontend_sqrt64(hi), "fast sqrt(%llu)", (unsigned long long)hi);
    }
  }
  for (int32_t i = 0; i < 200000; i++) {
    const uint64_t r = 0x10000u + (rnd() % 0xFF0000u);
    for (int32_t d = -1; d <= 1; d++) {
      const uint64_t lo = r * r - r + (uint64_t)(int64_t)d, hi = r * r + r + (uint64_t)(int64_t)d;
      CHECK(frontend_sqrt64_fast(lo) == frontend_sqrt64(lo), "fast sqrt(%llu)", (unsigned long long)lo);
      CHECK(frontend_sqrt64_fast(hi) == frontend_sqrt64(hi), "fast sqrt(%llu)", (unsigned long long)hi);
    }
  }
  for (int32_t i = 0; i < 300000; i++) {
    const uint64_t x = (((uint64_t)rnd() << 32) | rnd()) >> (rnd() % 64);
    CHECK(frontend_sqrt64_fast(x) == frontend_sqrt64(x), "fast sqrt(%llu)", (unsigned long long)x);
    if (i % 16 == 0) CHECK(frontend_sqrt64(x) == sqrt_definition(x), "op sqrt(%llu)", (unsigned long long)x);
    const uint64_t sq = (uint64_t)(rnd() >> (rnd() % 32)) * (rnd() >> (rnd() % 32)); /* near squares */
    CHECK(frontend_sqrt64_fast(sq) == frontend_sqrt64(sq), "fast sqrt(%llu)", (unsigned long long)sq);
  }
}

static void test_filterbank(void) {
  /* A flat spectrum (every bin's |X|^2 = e): channel c gets sqrt(e * (sum of its weights)). */
  frontend_t fe;
  frontend_config_t cfg;
  init_default(&fe, &cfg);
  for (int32_t k = 0; k <= 256; k++) fe.fft[k] = (frontend_cpx_t){300, 400}; /* |X|^2 = 250000 */
  frontend_filterbank(&fe, 2);
  int32_t k = fe.start_index;
  uint64_t carry = 0;
  for (int32_t b = 0; b <= fe.num_channels; b++) {
    uint64_t w = 0, u = 0;
    for (; k < fe.band_end[b]; k++) {
      w += (uint64_t)fe.weights[k - fe.start_index] * 250000u;
      u += (uint64_t)fe.unweights[k - fe.start_index] * 250000u;
    }
    if (b > 0) CHECK(fe.signal[b - 1] == frontend_sqrt64(w + carry) >> 2, "channel %d", b - 1);
    carry = u;
  }
  CHECK(fe.signal[0] > 0 && fe.signal[39] > fe.signal[0], "higher channels are wider");
  /* The op's int32 wrap: (-32768)^2 * 2 = 2^31 turns negative and sign-extends into the sums. */
  for (int32_t k2 = 0; k2 <= 256; k2++) fe.fft[k2] = (frontend_cpx_t){-32768, -32768};
  frontend_filterbank(&fe, 0);
  uint64_t w = 0;
  for (k = fe.band_end[0]; k < fe.band_end[1]; k++) w += (uint64_t)(int64_t)fe.weights[k - fe.start_index] * (uint64_t)(int64_t)INT32_MIN;
  uint64_t u = 0;
  for (k = fe.start_index; k < fe.band_end[0]; k++) u += (uint64_t)(int64_t)fe.unweights[k - fe.start_index] * (uint64_t)(int64_t)INT32_MIN;
  CHECK(fe.signal[0] == frontend_sqrt64(w + u), "wrapped energy %u vs %u", fe.signal[0], frontend_sqrt64(w + u));
}

static void test_noise_reduction(void) {
  frontend_t fe;
  frontend_config_t cfg;
  init_default(&fe, &cfg);
  CHECK(fe.even_smoothing == 409 && fe.odd_smoothing == 983 && fe.min_signal_remaining == 819, "Q14 coefficients");
  uint32_t signal[40];
  for (int i = 0; i < 40; i++) signal[i] = 1000;
  frontend_noise_reduction(&fe, signal);
  /* From a zero estimate: estimate = (1000 << 10) * s >> 14, out = (1000 << 10 - estimate) >> 10. */
  CHECK(fe.noise_estimate[0] == (1000u << 10) * 409u >> 14 && fe.noise_estimate[1] == (1000u << 10) * 983u >> 14, "estimate");
  CHECK(signal[0] == ((1000u << 10) - fe.noise_estimate[0]) >> 10 && signal[1] == ((1000u << 10) - fe.noise_estimate[1]) >> 10,
        "subtracted %u %u", signal[0], signal[1]);
  /* A steady signal is subtracted down to the floor: min_signal_remaining of it. */
  for (int rep = 0; rep < 2000; rep++) {
    for (int i = 0; i < 40; i++) signal[i] = 1000;
    frontend_noise_reduction(&fe, signal);
  }
  CHECK(signal[0] == 1000u * 819u >> 14 && signal[1] == 1000u * 819u >> 14, "floor %u", signal[0]);
}

static void test_noise_reduction_random(void) {
  /* Random signals and estimates through the pairwise loop, against the op's per-channel code, with
   * an odd channel count (the last channel alone) and extreme values; the spec's coefficients (the
   * pre-shifted fast loop) and coefficients of 0 and 1.0 (the general loop). */
  static const float coefficients[3][3] = {{-1.0f, 0, 0}, {0.0f, 1.0f, 0.05f}, {0.2f, 0.1f, 1.0f}};
  for (int32_t k = 0; k < 6; k++) {
    const int32_t channels = 39 + k % 2;
    frontend_t fe;
    frontend_config_t cfg;
    frontend_config_default(&cfg);
    cfg.num_channels = channels;
    if (coefficients[k / 2][0] >= 0) { /* even, odd smoothing and the floor; else the defaults */
      cfg.even_smoothing = coefficients[k / 2][0];
      cfg.odd_smoothing = coefficients[k / 2][1];
      cfg.min_signal_remaining = coefficients[k / 2][2];
    }
    CHECK(frontend_init(&fe, &cfg, memory, sizeof memory) == FRONTEND_OK, "init %d channels", channels);
    for (int32_t rep = 0; rep < 200; rep++) {
      uint32_t signal[40], noise[40];
      for (int32_t c = 0; c < channels; c++) {
        signal[c] = rep % 4 == 0 ? 0xFFFFFFFFu >> (c % 3) : rnd() >> (rnd() % 32);
        fe.noise_estimate[c] = noise[c] = rep % 5 == 0 ? 0xFFFFFFFFu : rnd() >> (rnd() % 32);
      }
      uint32_t want[40];
      for (int32_t c = 0; c < channels; c++) {
        const uint32_t smoothing = (c & 1) ? fe.odd_smoothing : fe.even_smoothing;
        const uint32_t scaled = signal[c] << fe.smoothing_bits;
        uint32_t est = (uint32_t)(((uint64_t)scaled * smoothing + (uint64_t)noise[c] * (16384u - smoothing)) >> 14);
        noise[c] = est;
        if (est > scaled) est = scaled;
        const uint32_t floor = (uint32_t)(((uint64_t)signal[c] * fe.min_signal_remaining) >> 14);
        const uint32_t sub = (scaled - est) >> fe.smoothing_bits;
        want[c] = sub > floor ? sub : floor;
      }
      frontend_noise_reduction(&fe, signal);
      for (int32_t c = 0; c < channels; c++)
        CHECK(signal[c] == want[c] && fe.noise_estimate[c] == noise[c], "noise reduction channel %d of %d", c, channels);
    }
  }
}

/* The op's WideDynamicFunction as written (shift left below interval 11, right above it). */
static int16_t wide_dynamic_op(uint32_t x, const int16_t *lut) {
  if (x <= 2) return lut[x];
  const int32_t interval = 32 - __builtin_clz(x);
  lut += 4 * interval - 6;
  const int32_t frac = (int32_t)((interval < 11 ? (x << (11 - interval)) : (x >> (interval - 11))) & 0x3FF);
  uint32_t r = (uint32_t)(((int32_t)lut[2] * frac) >> 5);
  r += (uint32_t)lut[1] << 5;
  r *= (uint32_t)frac;
  return (int16_t)((((int32_t)(r + (1u << 14))) >> 15) + lut[0]);
}

static void test_pcan_random(void) {
  /* The fast gain lookup and the split 64-bit shift against the op's code, over every interval,
   * interval edges, and the shift on both sides of 32. */
  frontend_t fe;
  frontend_config_t cfg;
  init_default(&fe, &cfg);
  for (int32_t interval = 1; interval <= 32; interval++) {
    const uint32_t base = 1u << (interval - 1);
    const uint32_t xs[4] = {base, base + (base - 1), base + (base >> 1), base | (rnd() & (base - 1))};
    for (int32_t k = 0; k < 4; k++)
      CHECK(frontend_wide_dynamic(xs[k], fe.pcan_lut) == wide_dynamic_op(xs[k], fe.pcan_lut), "gain at %u", xs[k]);
  }
  for (int32_t i = 0; i < 200000; i++) {
    const uint32_t x = rnd() >> (rnd() % 32);
    CHECK(frontend_wide_dynamic(x, fe.pcan_lut) == wide_dynamic_op(x, fe.pcan_lut), "gain at %u", x);
  }
  static const int32_t shifts[] = {0, 1, 6, 31, 32, 40, 63};
  for (size_t t = 0; t < sizeof shifts / sizeof shifts[0]; t++) {
    fe.snr_shift = shifts[t];
    uint32_t signal[40], want[40];
    for (int32_t c = 0; c < 40; c++) {
      fe.noise_estimate[c] = c == 0 ? 0 : rnd() >> (rnd() % 32);
      signal[c] = c == 1 ? 0xFFFFFFFFu : rnd() >> (rnd() % 32);
      const uint32_t gain = (uint32_t)(int32_t)wide_dynamic_op(fe.noise_estimate[c], fe.pcan_lut);
      const uint32_t snr = (uint32_t)(((uint64_t)signal[c] * gain) >> fe.snr_shift);
      want[c] = snr < 8192 ? (snr * snr) >> 20 : (snr >> 6) - 64;
    }
    frontend_pcan(&fe, signal);
    for (int32_t c = 0; c < 40; c++) CHECK(signal[c] == want[c], "pcan shift %d channel %d", fe.snr_shift, c);
  }
}

static void test_pcan(void) {
  frontend_t fe;
  frontend_config_t cfg;
  init_default(&fe, &cfg);
  CHECK(fe.snr_shift == 6, "snr shift %d", fe.snr_shift);
  for (uint32_t x = 0; x <= 2; x++) CHECK(frontend_wide_dynamic(x, fe.pcan_lut) == fe.pcan_lut[x], "lut[%u]", x);
  for (int32_t interval = 2; interval < 32; interval++) /* at an interval's start the curve is its y0 */
    CHECK(frontend_wide_dynamic(1u << (interval - 1), fe.pcan_lut) == fe.pcan_lut[4 * interval - 6], "interval %d", interval);
  /* The gain falls with the noise estimate (the table approximates (x + offset)^-strength). */
  int16_t prev = 32767;
  for (uint64_t x = 4; x < 0xFFFFFFFFull; x *= 3) {
    const int16_t g = frontend_wide_dynamic((uint32_t)x, fe.pcan_lut);
    CHECK(g <= prev && g >= 0, "gain at %llu: %d after %d", (unsigned long long)x, g, prev);
    prev = g;
  }
  uint32_t signal[40];
  for (int i = 0; i < 40; i++) {
    fe.noise_estimate[i] = (uint32_t)i * 5000u;
    signal[i] = 100u * (uint32_t)i;
  }
  uint32_t copy[40];
  memcpy(copy, signal, sizeof copy);
  frontend_pcan(&fe, signal);
  for (int i = 0; i < 40; i++) {
    const uint32_t gain = (uint32_t)(int32_t)frontend_wide_dynamic(fe.noise_estimate[i], fe.pcan_lut);
    const uint32_t snr = (uint32_t)(((uint64_t)copy[i] * gain) >> 6);
    const uint32_t want = snr < 8192 ? (snr * snr) >> 20 : (snr >> 6) - 64;
    CHECK(signal[i] == want, "pcan channel %d: %u != %u", i, signal[i], want);
  }
}

static void test_log_random(void) {
  /* The CLZ-shift fraction and the rounding high multiply against the op's code: every x below 2^18,
   * each power of two and its neighbours, random x, and every scale shift. */
  for (uint32_t x = 1; x < (1u << 18); x++) CHECK(frontend_log(x, 6) == log_op(x, 6), "log(%u)", x);
  for (int32_t b = 0; b < 32; b++)
    for (int32_t d = -1; d <= 1; d++) {
      const uint32_t x = (1u << b) + (uint32_t)d;
      if (x != 0) CHECK(frontend_log(x, 6) == log_op(x, 6), "log(%u)", x);
    }
  for (int32_t i = 0; i < 300000; i++) {
    const uint32_t x = rnd() >> (rnd() % 32);
    const int32_t s = (int32_t)(rnd() % 17);
    if (x != 0) CHECK(frontend_log(x, s) == log_op(x, s), "log(%u, %d)", x, s);
  }
  CHECK(frontend_log(0xFFFFFFFFu, 16) == log_op(0xFFFFFFFFu, 16), "log of the largest input");
}

static void test_log_scale(void) {
  /* frontend_log(x, s) ~ ln(x) * 2^s, to within one unit. */
  for (int32_t i = 0; i < 100000; i++) {
    const uint32_t x = (rnd() >> (rnd() % 31)) | 2u;
    const double want = log((double)x) * 64.0;
    CHECK(fabs((double)frontend_log(x, 6) - want) <= 1.0, "log(%u) = %u, want %.2f", x, frontend_log(x, 6), want);
  }
  frontend_t fe;
  frontend_config_t cfg;
  init_default(&fe, &cfg);
  const uint32_t signal[4] = {0, 1, 1000, 0xFFFFFFFFu};
  uint16_t out[40];
  fe.num_channels = 4;
  frontend_log_scale(&fe, signal, out);
  CHECK(out[0] == 0 && out[1] == frontend_log(8, 6) && out[2] == frontend_log(8000, 6), "correction bits shift by 3");
  CHECK(out[3] == frontend_log(0xFFFFFFF8u, 6), "the op's uint32 shift wraps");
  fe.enable_log = 0;
  const uint32_t big[4] = {5, 70000, 65535, 65534};
  frontend_log_scale(&fe, big, out);
  CHECK(out[0] == 5 && out[1] == 65535 && out[2] == 65535 && out[3] == 65534, "log off clamps to uint16");
}

static void test_dc_notch(void) {
  frontend_t fe;
  frontend_config_t cfg;
  frontend_config_default(&cfg);
  cfg.enable_dc_notch = 1;
  CHECK(frontend_init(&fe, &cfg, memory, sizeof memory) == FRONTEND_OK, "init");
  CHECK(fe.dc_notch_coef == 31129, "Q15 coefficient %d", fe.dc_notch_coef);
  static int16_t in[4000], out[4000];
  for (int i = 0; i < 4000; i++) in[i] = 10000;
  frontend_dc_notch(&fe, in, out, 4000);
  CHECK(out[0] == 10000 && out[1] == (10000 * 31129 / 16384 + 1) / 2, "step response %d %d", out[0], out[1]);
  CHECK(abs(out[3999]) <= 20, "DC removed: %d", out[3999]);
  /* Streaming in pieces equals one call. */
  static int16_t out2[4000];
  frontend_reset(&fe);
  for (int i = 0; i < 4000; i += 7) frontend_dc_notch(&fe, in + i, out2 + i, (size_t)(4000 - i < 7 ? 4000 - i : 7));
  CHECK(memcmp(out, out2, sizeof out) == 0, "chunked DC notch");
}

static void test_int8(void) {
  static const uint16_t in[6] = {0, 332, 333, 666, 1000, 65535};
  int8_t out[6];
  frontend_to_int8_micro(in, 6, out);
  CHECK(out[0] == -128 && out[1] == -128 + (332 * 256 + 333) / 666 && out[2] == 0 && out[3] == 127 && out[5] == 127,
        "micro mapping %d %d %d %d", out[0], out[1], out[3], out[5]);
  for (int32_t v = 0; v < 65536; v++) {
    const uint16_t u = (uint16_t)v;
    int8_t o;
    frontend_to_int8_micro(&u, 1, &o);
    const int32_t want = (v * 256 + 333) / 666 - 128;
    CHECK(o == (want > 127 ? 127 : want), "micro mapping of %d", v);
  }
  CHECK(frontend_dynamic_range(40.0f, 6) == 294, "MLTK's 40 dB at scale 6 is %d", frontend_dynamic_range(40.0f, 6));
  static const uint16_t spec[5] = {100, 500, 600, 700, 400};
  int8_t q[5];
  frontend_to_int8_dynamic(spec, 5, 300, q);
  CHECK(q[3] == 127 && q[0] == -128 && q[4] == -128 && q[1] == (100 * 255 / 300) - 128, "dynamic %d %d %d", q[3], q[0], q[1]);
}

static void test_streaming_equals_batch(void) {
  frontend_t fe;
  frontend_config_t cfg;
  init_default(&fe, &cfg);
  static int16_t audio[16000];
  for (int i = 0; i < 16000; i++) audio[i] = (int16_t)(3000.0 * sin(i * 0.05) + (int32_t)(rnd() >> 24) - 128);
  static uint16_t batch[49 * 40], stream[49 * 40];
  CHECK(frontend_run(&fe, audio, 16000, batch, 49) == 49, "49 frames from 1 s");
  CHECK(frontend_run(&fe, audio, 16000, batch, 48) == FRONTEND_E_ARG, "refuses too small an output");
  frontend_reset(&fe);
  size_t pos = 0, frames = 0;
  while (pos < 16000) {
    size_t n = 1 + rnd() % 700, used = 0;
    if (n > 16000 - pos) n = 16000 - pos;
    const int got = frontend_process(&fe, audio + pos, n, &used, stream + frames * 40);
    CHECK(got >= 0 && used <= n, "process");
    pos += used;
    frames += (size_t)got;
  }
  CHECK(frames == 49 && memcmp(batch, stream, sizeof batch) == 0, "streaming %zu frames equals batch", frames);
  /* The stages chained by hand (with the plain reference FFT) give the same frames. */
  frontend_reset(&fe);
  static uint16_t manual[40];
  for (int f = 0; f < 49; f++) {
    memcpy(fe.input, audio + f * 320, 480 * sizeof(int16_t));
    const int32_t shift = frontend_fft_shift(frontend_window(&fe, fe.windowed));
    frontend_fft_reference(&fe, fe.windowed, shift);
    frontend_filterbank(&fe, shift);
    frontend_noise_reduction(&fe, fe.signal);
    frontend_pcan(&fe, fe.signal);
    frontend_log_scale(&fe, fe.signal, manual);
    CHECK(memcmp(manual, batch + f * 40, sizeof manual) == 0, "manual chain frame %d", f);
  }
}

int main(void) {
  test_config_errors();
  test_window();
  test_fft();
  test_fft_hop();
  test_sqrt();
  test_filterbank();
  test_noise_reduction();
  test_noise_reduction_random();
  test_pcan();
  test_pcan_random();
  test_log_random();
  test_log_scale();
  test_dc_notch();
  test_int8();
  test_streaming_equals_batch();
  return check_report("frontend_stages_test");
}

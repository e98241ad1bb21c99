/* Board image (ARM only): the frontend's assembly paths against their plain twins on the emulated
 * M4, where the host build never runs them (tests/test_frontend_device.py boots it). Random,
 * full-scale, silent and alternating inputs through the window, the FFT (fast against
 * frontend_fft_reference), the filterbank (against a plain per-bin sum and the op's square root),
 * the fast square root and the log (SMMULR scaling) against the op's code. Prints
 * "FRONTEND_TWIN checks=N failures=M" and exits with M != 0. */
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "frontend.h"
#include "log_op.h"

static uint64_t memory[24576 / sizeof(uint64_t)];
static frontend_t fe;
static int16_t windowed[1024];
static frontend_cpx_t ref[513];
static uint32_t checks, failures, seed = 2463534242u;

static uint32_t rnd(void) {
  seed ^= seed << 13;
  seed ^= seed >> 17;
  seed ^= seed << 5;
  return seed;
}

static void check(int ok) {
  checks++;
  if (!ok) failures++;
}

/* Input sample k of pattern p: random, random at a random level, full scale, silence, alternating
 * full scale, a constant -32768. */
static int16_t sample(int32_t p, int32_t k, int32_t level) {
  switch (p) {
    case 0: return (int16_t)rnd();
    case 1: return (int16_t)((int32_t)(int16_t)rnd() >> level);
    case 2: return (rnd() & 1) ? 32767 : -32768;
    case 3: return 0;
    case 4: return (k & 1) ? 32767 : -32768;
    default: return -32768;
  }
}

static void test_window(int32_t p) {
  const int32_t level = (int32_t)(rnd() % 16);
  for (int32_t k = 0; k < fe.window_size; k++) fe.input[k] = sample(p, k, level);
  const uint32_t bits = frontend_window(&fe, windowed);
  int32_t peak = 0;
  for (int32_t k = 0; k < fe.window_size; k++) {
    const int32_t v = ((int32_t)fe.input[k] * fe.window[k]) >> 12;
    check(windowed[k] == v);
    if (v != -32768 && (v < 0 ? -v : v) > peak) peak = v < 0 ? -v : v; /* the op's int16 abs skips -32768 */
  }
  check(frontend_fft_shift(bits) == frontend_fft_shift((uint32_t)peak));
}

static void test_fft(int32_t p) {
  const int32_t level = (int32_t)(rnd() % 16);
  memset(windowed, 0, sizeof windowed);
  for (int32_t k = 0; k < fe.window_size; k++) windowed[k] = sample(p, k, level);
  const int32_t shift = (int32_t)(rnd() % 16);
  const size_t bytes = (size_t)(fe.fft_size / 2 + 1) * sizeof ref[0];
  frontend_fft_reference(&fe, windowed, shift);
  memcpy(ref, fe.fft, bytes);
  frontend_fft(&fe, windowed, shift);
  check(memcmp(ref, fe.fft, bytes) == 0);
  memset(fe.fft, 0x55, bytes);
  frontend_fft_for_filterbank(&fe, windowed, shift); /* the per-hop variant: the filterbank's bins */
  check(memcmp(ref + fe.start_index, fe.fft + fe.start_index,
               (size_t)(fe.end_index - fe.start_index) * sizeof ref[0]) == 0);
}

/* The per-hop FFT at the window's own shift (the exact first stage unless a -32768 with a shift could
 * wrap): with `rail`, one input at a peak of the window is -32768, so its windowed value is -32768. */
static void test_fft_hop(int32_t p, int32_t rail) {
  const int32_t level = (int32_t)(rnd() % 16);
  for (int32_t k = 0; k < fe.window_size; k++) fe.input[k] = sample(p, k, level);
  if (rail) {
    for (int32_t k = 0; k < fe.window_size; k++) {
      if (fe.window[k] == 4096) {
        fe.input[k] = -32768;
        break;
      }
    }
  }
  const uint32_t bits = frontend_window(&fe, fe.windowed);
  const int32_t shift = frontend_fft_shift(bits);
  frontend_fft_reference(&fe, fe.windowed, shift);
  memcpy(ref, fe.fft, (size_t)(fe.fft_size / 2 + 1) * sizeof ref[0]);
  memset(fe.fft, 0x55, (size_t)(fe.fft_size / 2 + 1) * sizeof ref[0]);
  check(frontend_fft_hop(&fe, fe.windowed, bits) == shift);
  check(memcmp(ref + fe.start_index, fe.fft + fe.start_index,
               (size_t)(fe.end_index - fe.start_index) * sizeof ref[0]) == 0);
}

static void test_filterbank(int32_t p) {
  const int32_t level = (int32_t)(rnd() % 16);
  for (int32_t k = 0; k <= 256; k++) {
    fe.fft[k].r = sample(p, 2 * k, level);
    fe.fft[k].i = sample(p, 2 * k + 1, level);
  }
  const int32_t shift = (int32_t)(rnd() % 8);
  frontend_filterbank(&fe, shift);
  /* The op's loop: |X|^2 in int32 (wrapping), sign-extended, times the weights into uint64. */
  uint64_t carry = 0;
  int32_t k = fe.start_index;
  for (int32_t b = 0; b <= fe.num_channels; b++) {
    uint64_t w = 0, u = 0;
    for (; k < fe.band_end[b]; k++) {
      const int32_t e = (int32_t)((uint32_t)(fe.fft[k].r * fe.fft[k].r) + (uint32_t)(fe.fft[k].i * fe.fft[k].i));
      w += (uint64_t)((int64_t)e * fe.weights[k - fe.start_index]);
      u += (uint64_t)((int64_t)e * fe.unweights[k - fe.start_index]);
    }
    if (b > 0) check(fe.signal[b - 1] == frontend_sqrt64(w + carry) >> shift);
    carry = u;
  }
}

/* Noise reduction (its assembly channel pairs) against the op's arithmetic, with random
 * coefficients below 1.0, signals of every magnitude and random estimates, for an even and an odd
 * channel count. */
static void test_noise_reduction(void) {
  static uint32_t signal[40], noise[40], want_signal[40], want_noise[40];
  const frontend_t saved = fe;
  for (int32_t trial = 0; trial < 200; trial++) {
    fe.even_smoothing = (uint16_t)(1 + rnd() % 16383);
    fe.odd_smoothing = (uint16_t)(1 + rnd() % 16383);
    fe.min_signal_remaining = (uint16_t)(rnd() % 16384);
    fe.smoothing_bits = (int32_t)(rnd() % 16);
    fe.num_channels = 39 + (trial & 1);
    for (int32_t c = 0; c < 40; c++) {
      signal[c] = rnd() >> (rnd() % 32);
      noise[c] = fe.noise_estimate[c] = rnd() >> (rnd() % 32);
    }
    for (int32_t c = 0; c < fe.num_channels; c++) {
      const uint32_t sm = c & 1 ? fe.odd_smoothing : fe.even_smoothing;
      const uint32_t scaled = signal[c] << fe.smoothing_bits;
      uint32_t est = (uint32_t)(((uint64_t)scaled * sm + (uint64_t)noise[c] * (16384u - sm)) >> 14);
      want_noise[c] = est;
      if (est > scaled) est = scaled;
      const uint32_t floor = (uint32_t)(((uint64_t)signal[c] * fe.min_signal_remaining) >> 14);
      const uint32_t sub = (scaled - est) >> fe.smoothing_bits;
      want_signal[c] = sub > floor ? sub : floor;
    }
    frontend_noise_reduction(&fe, signal);
    for (int32_t c = 0; c < fe.num_channels; c++) {
      check(signal[c] == want_signal[c]);
      check(fe.noise_estimate[c] == want_noise[c]);
    }
  }
  fe = saved;
}

/* PCAN then the log in one pass (frontend_pcan_log's assembly) against the two C stages, with noise
 * estimates and signals of every magnitude, 0, 1 and 2 among them. */
static void test_pcan_log(void) {
  static uint32_t signal[40], pcan[40];
  static uint16_t want[40], got[40];
  for (int32_t trial = 0; trial < 300; trial++) {
    for (int32_t c = 0; c < 40; c++) {
      const uint32_t r = rnd();
      fe.noise_estimate[c] = r % 7 == 0 ? r % 3 : rnd() >> (rnd() % 32);
      signal[c] = r % 5 == 0 ? r % 3 : rnd() >> (rnd() % 32);
      pcan[c] = signal[c];
    }
    frontend_pcan(&fe, pcan);
    frontend_log_scale(&fe, pcan, want);
    check(frontend_pcan_log(&fe, signal, got) == 1);
    check(memcmp(want, got, sizeof want) == 0);
  }
}

static void test_sqrt(void) {
  for (int32_t i = 0; i < 3000; i++) {
    const uint64_t r = i < 1000 ? rnd() % 0x10001u : 0x10000u + rnd() % 0xFF0000u;
    for (int32_t d = -1; d <= 1; d++) {
      const uint64_t lo = r * r - r + (uint64_t)(int64_t)d, hi = r * r + r + (uint64_t)(int64_t)d;
      check(frontend_sqrt64_fast(lo) == frontend_sqrt64(lo));
      check(frontend_sqrt64_fast(hi) == frontend_sqrt64(hi));
    }
    const uint64_t x = (((uint64_t)rnd() << 32) | rnd()) >> (rnd() % 64);
    check(frontend_sqrt64_fast(x) == frontend_sqrt64(x));
  }
}


static void test_log(void) {
  for (int32_t i = 0; i < 20000; i++) {
    const uint32_t x = i < 32 ? 0xFFFFFFFFu >> i : rnd() >> (rnd() % 32);
    const int32_t s = (int32_t)(rnd() % 17);
    if (x != 0) check(frontend_log(x, s) == log_op(x, s));
  }
}

/* Streaming in hops (the aligned LDM/STM copies) and in 7-sample chunks (the library's) give the
 * same features. */
static void test_streaming(void) {
  static int16_t clip[4000];
  static uint16_t by_hop[12 * 40], by_chunk[12 * 40];
  for (int32_t k = 0; k < 4000; k++) clip[k] = (int16_t)rnd();
  uint16_t *outs[2] = {by_hop, by_chunk};
  for (int32_t pass = 0; pass < 2; pass++) {
    frontend_reset(&fe);
    size_t pos = 0, frames = 0;
    while (pos < 4000 && frames < 12) {
      size_t chunk = pass == 0 ? (frames == 0 && fe.input_used == 0 ? (size_t)fe.window_size : (size_t)fe.step) : 7;
      if (pos + chunk > 4000) chunk = 4000 - pos;
      size_t used = 0;
      const int got = frontend_process(&fe, clip + pos, chunk, &used, outs[pass] + frames * 40);
      pos += used;
      frames += (size_t)(got == 1);
    }
    check(frames == 12);
  }
  check(memcmp(by_hop, by_chunk, sizeof by_hop) == 0);
}

static size_t put_u32(char *buf, size_t pos, uint32_t v) {
  char tmp[11];
  int32_t n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10u);
    v /= 10u;
  } while (v);
  while (n > 0) buf[pos++] = tmp[--n];
  return pos;
}

int main(void) {
  board_init();
  frontend_config_t config;
  frontend_config_default(&config);
  if (frontend_init(&fe, &config, memory, sizeof memory) != FRONTEND_OK) {
    board_debug_write("FRONTEND_TWIN init failed\n");
    board_exit(2);
  }
  test_streaming();
  for (int32_t trial = 0; trial < 60; trial++) {
    const int32_t p = trial % 6;
    test_window(p);
    test_fft(p);
    test_fft_hop(p, trial % 12 >= 6);
    test_filterbank(p);
  }
  test_sqrt();
  test_log();
  test_noise_reduction();
  test_pcan_log();
  /* Other FFT sizes (complex points at 16 kHz): 8 ms (64: radix 4 only, the fused first stage's C
   * path), 40 ms (512: a radix-2 stage first, then radix-4 groups with m = 2 .. 128), 10 ms (128:
   * radix 2 first, m = 2 .. 32). */
  static const int32_t sizes_ms[] = {8, 40, 10};
  for (size_t s = 0; s < sizeof sizes_ms / sizeof sizes_ms[0]; s++) {
    config.window_size_ms = sizes_ms[s];
    config.window_step_ms = 4;
    if (frontend_init(&fe, &config, memory, sizeof memory) != FRONTEND_OK) {
      board_debug_write("FRONTEND_TWIN init failed\n");
      board_exit(2);
    }
    for (int32_t trial = 0; trial < 30; trial++) {
      test_fft(trial % 6);
      test_fft_hop(trial % 6, trial % 12 >= 6);
    }
  }
  /* Windows with an odd number of four-sample steps, of pairs and of samples: 55 samples at 11025 Hz. */
  config.sample_rate = 11025;
  config.window_size_ms = 5;
  config.upper_band_limit = 5000.0f;
  if (frontend_init(&fe, &config, memory, sizeof memory) != FRONTEND_OK || fe.window_size != 55) {
    board_debug_write("FRONTEND_TWIN init failed\n");
    board_exit(2);
  }
  for (int32_t trial = 0; trial < 60; trial++) test_window(trial % 6);
  char line[80] = "FRONTEND_TWIN checks=";
  size_t pos = put_u32(line, strlen(line), checks);
  memcpy(line + pos, " failures=", 10);
  pos = put_u32(line, pos + 10, failures);
  line[pos++] = '\n';
  line[pos] = 0;
  board_debug_write(line);
  board_exit(failures != 0);
  return 0;
}

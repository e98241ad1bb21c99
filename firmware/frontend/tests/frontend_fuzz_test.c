/* Fuzz-style test, meant for the ASan/UBSan build (./hark test): random valid settings, each with
 * state memory of exactly frontend_state_size() bytes from malloc (so any overrun is caught), fed
 * random and extreme audio (full-scale square waves, DC at both rails, alternating rails, impulses,
 * silence, loud noise) in random chunk sizes. Checks that streaming equals batch, that the fast
 * FFT equals the reference on every frame's window, and that nothing trips the sanitizers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "frontend.h"

static uint32_t seed = 2024;
static uint32_t rnd(void) {
  seed = seed * 1664525u + 1013904223u;
  return seed ^ (seed >> 15);
}
static int32_t rnd_in(int32_t lo, int32_t hi) { return lo + (int32_t)(rnd() % (uint32_t)(hi - lo + 1)); }

static void random_config(frontend_config_t *c) {
  static const int32_t rates[] = {8000, 16000, 22050};
  frontend_config_default(c);
  c->sample_rate = rates[rnd() % 3];
  c->window_size_ms = rnd_in(2, 64);
  c->window_step_ms = rnd_in(1, c->window_size_ms);
  c->num_channels = rnd_in(1, 80);
  c->lower_band_limit = (float)rnd_in(0, 400);
  c->upper_band_limit = c->lower_band_limit + (float)rnd_in(200, c->sample_rate / 2);
  c->enable_noise_reduction = (int32_t)(rnd() & 1);
  c->enable_pcan = (int32_t)(rnd() & 1);
  c->enable_log = (rnd() % 4) != 0;
  c->enable_dc_notch = (int32_t)(rnd() & 1);
  c->smoothing_bits = rnd_in(4, 16);
  c->gain_bits = rnd_in(18, 28);
  c->scale_shift = rnd_in(0, 10);
  c->even_smoothing = (float)(rnd() % 1001) / 1000.0f;
  c->odd_smoothing = (float)(rnd() % 1001) / 1000.0f;
  c->min_signal_remaining = (float)(rnd() % 1001) / 1000.0f;
  c->pcan_strength = (float)(rnd() % 2000) / 1000.0f;
  c->pcan_offset = (float)(rnd() % 20000) / 100.0f;
  c->dc_notch_coefficient = (float)(rnd() % 1000) / 1000.0f;
}

static void make_signal(int16_t *a, size_t n, int32_t kind) {
  const int32_t period = rnd_in(2, 200);
  const int32_t amp = rnd_in(0, 32767);
  for (size_t i = 0; i < n; i++) {
    switch (kind) {
      case 0: a[i] = (int16_t)(((int32_t)(rnd() >> 16) - 32768) * amp / 32768); break;
      case 1: a[i] = ((int32_t)i / period) & 1 ? 32767 : -32768; break; /* full-scale square */
      case 2: a[i] = 32767; break;
      case 3: a[i] = -32768; break;
      case 4: a[i] = (i & 1) ? 32767 : -32768; break;
      case 5: a[i] = (i % (size_t)period) == 0 ? -32768 : 0; break;
      case 6: a[i] = 0; break;
      default: a[i] = (int16_t)(rnd() >> 16); break;
    }
  }
}

int main(void) {
  int32_t runs = 0, frames_checked = 0;
  int16_t *audio = malloc(40000 * sizeof *audio);
  uint16_t *batch = malloc(40000 * 80 * sizeof *batch);
  uint16_t *stream = malloc(40000 * 80 * sizeof *stream);
  frontend_cpx_t *ref = malloc(2049 * sizeof *ref);
  for (int32_t iter = 0; iter < 400; iter++) {
    frontend_config_t cfg;
    random_config(&cfg);
    if (frontend_config_check(&cfg) != NULL) continue;
    const size_t size = frontend_state_size(&cfg);
    void *memory = aligned_alloc(FRONTEND_STATE_ALIGN, (size + 7) & ~(size_t)7);
    frontend_t fe;
    const int status = frontend_init(&fe, &cfg, memory, size);
    if (status == FRONTEND_E_BANDS) {
      free(memory);
      continue;
    }
    CHECK(status == FRONTEND_OK, "init %d", status);
    const size_t n = (size_t)rnd_in(0, 3 * fe.window_size + 4 * fe.step);
    make_signal(audio, n, (int32_t)(rnd() % 8));
    const size_t max_frames = n >= (size_t)fe.window_size ? 1 + (n - (size_t)fe.window_size) / (size_t)fe.step : 0;
    const int32_t frames = frontend_run(&fe, audio, n, batch, max_frames);
    CHECK(frames == (int32_t)max_frames, "frame count %d vs %zu", frames, max_frames);
    frontend_reset(&fe);
    size_t pos = 0, got_frames = 0;
    while (pos < n) {
      size_t chunk = (size_t)rnd_in(1, 2 * fe.window_size), used = 0;
      if (chunk > n - pos) chunk = n - pos;
      const int got = frontend_process(&fe, audio + pos, chunk, &used, stream + got_frames * (size_t)fe.num_channels);
      CHECK(got >= 0 && used <= chunk, "process %d", got);
      if (got == 1) {
        /* The window that frame used is still in fe.windowed: rerun both FFTs on it. */
        frontend_fft_reference(&fe, fe.windowed, fe.last_input_shift);
        memcpy(ref, fe.fft, (size_t)(fe.fft_size / 2 + 1) * sizeof *ref);
        frontend_fft(&fe, fe.windowed, fe.last_input_shift);
        CHECK(memcmp(ref, fe.fft, (size_t)(fe.fft_size / 2 + 1) * sizeof *ref) == 0, "fast FFT differs (iter %d)", iter);
        frames_checked++;
      }
      pos += used;
      got_frames += (size_t)(got > 0);
    }
    CHECK(got_frames == max_frames && memcmp(batch, stream, got_frames * (size_t)fe.num_channels * sizeof *batch) == 0,
          "streaming differs from batch (iter %d)", iter);
    free(memory);
    runs++;
  }
  free(audio);
  free(batch);
  free(stream);
  free(ref);
  CHECK(runs > 100 && frames_checked > 1000, "only %d settings and %d frames exercised", runs, frames_checked);
  printf("fuzz: %d random settings, %d frames\n", runs, frames_checked);
  return check_report("frontend_fuzz_test");
}

/* Benchmark image: runs the frontend on a built-in 1 s signal, one hop at a time as the firmware
 * does, and reports through semihosting the counter readings per hop (instructions under QEMU,
 * cycles on hardware), the init cost, the state size and a checksum of every feature, so the host
 * can check the board computed the same bits as the host library. */
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "frontend.h"

#define CLIP_SAMPLES 16000

static int16_t audio[CLIP_SAMPLES];
static uint64_t memory[12288 / sizeof(uint64_t)];
static frontend_t fe;

/* Speech-like test signal, integer only so the host can rebuild it exactly (tools/bench_frontend.py):
 * an LCG noise floor plus a tone whose pitch and loudness sweep, with a loud burst in the middle. */
static void make_signal(void) {
  uint32_t lcg = 12345u;
  uint32_t phase = 0;
  for (int32_t n = 0; n < CLIP_SAMPLES; n++) {
    lcg = lcg * 1664525u + 1013904223u;
    const int32_t noise = (int32_t)(lcg >> 22) - 512;          /* [-512, 511] */
    phase += 2000u + (uint32_t)n * 3u;                         /* rising pitch */
    const int32_t tri = (int32_t)((phase >> 15) & 0xFFFF);     /* triangle from the phase */
    const int32_t wave = (tri < 32768 ? tri : 65535 - tri) - 16384;
    const int32_t env = n < 8000 ? n / 8 : (16000 - n) / 8;    /* 0 .. 1000 .. 0 */
    int32_t v = noise + wave * env / 1000;
    if (n >= 7000 && n < 7400) v *= 2;                         /* a clipped burst */
    audio[n] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
  }
}

static size_t put_str(char *buf, size_t pos, size_t cap, const char *s) {
  while (*s && pos + 1 < cap) buf[pos++] = *s++;
  buf[pos] = 0;
  return pos;
}

static size_t put_u32(char *buf, size_t pos, size_t cap, uint32_t v) {
  char tmp[11];
  int32_t n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10u);
    v /= 10u;
  } while (v);
  while (n > 0 && pos + 1 < cap) buf[pos++] = tmp[--n];
  buf[pos] = 0;
  return pos;
}

static size_t put_field(char *buf, size_t pos, size_t cap, const char *key, uint32_t v) {
  pos = put_str(buf, pos, cap, " ");
  pos = put_str(buf, pos, cap, key);
  pos = put_str(buf, pos, cap, "=");
  return put_u32(buf, pos, cap, v);
}

int main(void) {
  board_init();
  make_signal();
  frontend_config_t config;
  frontend_config_default(&config);
  const size_t state = frontend_state_size(&config);
  uint32_t t0 = board_counter();
  const int status = frontend_init(&fe, &config, memory, sizeof memory);
  const uint32_t init = board_counter_elapsed(t0, board_counter());
  if (status != FRONTEND_OK) {
    board_debug_write("FRONTEND_BENCH init failed\n");
    board_exit(1);
  }
  uint16_t features[64];
  uint32_t checksum = 2166136261u, total = 0, worst = 0, best = UINT32_MAX, hops = 0, frames = 0;
  size_t pos = 0;
  while (pos < CLIP_SAMPLES) {
    /* The first frame needs a whole window; then each hop brings `step` samples. */
    const size_t chunk = frames == 0 ? (size_t)fe.window_size : (size_t)fe.step;
    if (pos + chunk > CLIP_SAMPLES) break;
    size_t used = 0;
    t0 = board_counter();
    const int got = frontend_process(&fe, audio + pos, chunk, &used, features);
    const uint32_t spent = board_counter_elapsed(t0, board_counter());
    if (got != 1 || used != chunk) {
      board_debug_write("FRONTEND_BENCH no frame from a full hop\n");
      board_exit(2);
    }
    pos += used;
    if (frames > 0) { /* the first frame also fills the window: not a hop */
      total += spent;
      hops++;
      if (spent > worst) worst = spent;
      if (spent < best) best = spent;
    }
    frames++;
    for (int32_t c = 0; c < fe.num_channels; c++) {
      checksum = (checksum ^ (features[c] & 0xFFu)) * 16777619u;
      checksum = (checksum ^ (features[c] >> 8)) * 16777619u;
    }
  }
  /* The breakdown: the same clip again on a second state, each hop's frame stage by stage as
   * frontend_process runs them (window, FFT, filterbank, noise reduction, PCAN, log), summed per
   * stage over the hops, and its features checked against the first pass's. */
  static frontend_t fe2;
  static uint64_t memory2[sizeof memory / sizeof memory[0]];
  if (frontend_init(&fe2, &config, memory2, sizeof memory2) != FRONTEND_OK) board_exit(3);
  uint32_t stage_sum[6] = {0}, checksum2 = 2166136261u;
  memcpy(fe2.input, audio, (size_t)fe2.window_size * sizeof audio[0]);
  for (uint32_t f = 0; f < frames; f++) {
    if (f > 0) {
      memmove(fe2.input, fe2.input + fe2.step, (size_t)(fe2.window_size - fe2.step) * sizeof audio[0]);
      memcpy(fe2.input + fe2.window_size - fe2.step, audio + fe2.window_size + (f - 1) * (uint32_t)fe2.step,
             (size_t)fe2.step * sizeof audio[0]);
    }
    uint32_t stage[6];
    t0 = board_counter();
    const uint32_t window_bits = frontend_window(&fe2, fe2.windowed);
    stage[0] = board_counter_elapsed(t0, board_counter());
    t0 = board_counter();
    const int32_t shift = frontend_fft_hop(&fe2, fe2.windowed, window_bits);
    stage[1] = board_counter_elapsed(t0, board_counter());
    t0 = board_counter();
    frontend_filterbank(&fe2, shift);
    stage[2] = board_counter_elapsed(t0, board_counter());
    t0 = board_counter();
    frontend_noise_reduction(&fe2, fe2.signal);
    stage[3] = board_counter_elapsed(t0, board_counter());
    t0 = board_counter();
    frontend_pcan(&fe2, fe2.signal);
    stage[4] = board_counter_elapsed(t0, board_counter());
    t0 = board_counter();
    frontend_log_scale(&fe2, fe2.signal, features);
    stage[5] = board_counter_elapsed(t0, board_counter());
    if (f > 0)
      for (int32_t i = 0; i < 6; i++) stage_sum[i] += stage[i];
    for (int32_t c = 0; c < fe2.num_channels; c++) {
      checksum2 = (checksum2 ^ (features[c] & 0xFFu)) * 16777619u;
      checksum2 = (checksum2 ^ (features[c] >> 8)) * 16777619u;
    }
  }
  if (checksum2 != checksum) {
    board_debug_write("FRONTEND_BENCH the stage-by-stage pass computed other features\n");
    board_exit(4);
  }
  uint32_t stage[6]; /* mean per hop, rounded */
  for (int32_t i = 0; i < 6; i++) stage[i] = hops ? (stage_sum[i] + hops / 2) / hops : 0;

  char line[480];
  size_t p = put_str(line, 0, sizeof line, "FRONTEND_BENCH");
  p = put_field(line, p, sizeof line, "frames", frames);
  p = put_field(line, p, sizeof line, "hops", hops);
  p = put_field(line, p, sizeof line, "total", total);
  p = put_field(line, p, sizeof line, "per_hop_mean", hops ? (total + hops / 2) / hops : 0);
  p = put_field(line, p, sizeof line, "per_hop_min", best);
  p = put_field(line, p, sizeof line, "per_hop_max", worst);
  p = put_field(line, p, sizeof line, "init", init);
  p = put_field(line, p, sizeof line, "state_bytes", (uint32_t)state);
  p = put_field(line, p, sizeof line, "handle_bytes", (uint32_t)sizeof(frontend_t));
  p = put_field(line, p, sizeof line, "stack_peak", (uint32_t)board_stack_peak());
  p = put_field(line, p, sizeof line, "counter_kind", (uint32_t)board_info()->counter_kind);
  p = put_field(line, p, sizeof line, "checksum", checksum);
  static const char *const names[6] = {"window", "fft", "filterbank", "noise_reduction", "pcan", "log"};
  for (int32_t i = 0; i < 6; i++) p = put_field(line, p, sizeof line, names[i], stage[i]);
  put_str(line, p, sizeof line, "\n");
  board_debug_write(line);
  return 0;
}

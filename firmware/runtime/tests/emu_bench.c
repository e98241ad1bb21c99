/* Emulator image: runs one embedded model on a fixed input pattern and prints, through semihosting,
 * the arena bytes (after init and at init's peak), the instruction counts of an invoke (whole and per op)
 * and the output bytes, so the host can compare them with the tflite-micro interpreter and record
 * benchmarks.
 * Input byte k of every input tensor is (k * 151 + 7) & 0xFF (the host rebuilds the same pattern). */
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "runtime.h"

extern const uint8_t MODEL_SYM[];
extern const uint32_t MODEL_LEN;

#ifdef BENCH_OPS
/* The op table generated from the model (hark_runtime_ops): only its kernels are linked. */
extern const runtime_ops_t BENCH_OPS;
#define OPS (&BENCH_OPS)
#else
#define OPS (&runtime_all_ops)
#endif

#ifndef ARENA_BYTES
#define ARENA_BYTES (64 * 1024)
#endif
static _Alignas(16) uint8_t arena[ARENA_BYTES];

static char line[160];
static size_t put_s(size_t p, const char *s) {
  while (*s && p + 1 < sizeof line) line[p++] = *s++;
  line[p] = 0;
  return p;
}
static size_t put_u(size_t p, uint32_t v) {
  char t[11];
  int n = 0;
  do {
    t[n++] = (char)('0' + v % 10u);
    v /= 10u;
  } while (v);
  while (n && p + 1 < sizeof line) line[p++] = t[--n];
  line[p] = 0;
  return p;
}
static void emit(size_t p) {
  put_s(p, "\n");
  board_debug_write(line);
}

/* "<tag><index> <bytes in hex>" */
static void emit_hex(const char *tag, uint32_t index, const uint8_t *d, uint32_t n) {
  static const char hex[] = "0123456789abcdef";
  size_t p = put_u(put_s(0, tag), index);
  p = put_s(p, " ");
  for (uint32_t k = 0; k < n && p + 3 < sizeof line; k++) {
    line[p++] = hex[d[k] >> 4];
    line[p++] = hex[d[k] & 15];
  }
  line[p] = 0;
  emit(p);
}

static void report(void *user, uint32_t op_index, const char *name, uint32_t delta) {
  (void)user;
  size_t p = put_s(0, "OP ");
  p = put_u(p, op_index);
  p = put_s(p, " ");
  p = put_s(p, name);
  p = put_s(p, " ");
  emit(put_u(p, delta));
}

static int fail(const char *what, const char *detail) {
  size_t p = put_s(0, "ERROR ");
  p = put_s(p, what);
  p = put_s(p, ": ");
  emit(put_s(p, detail));
  return 1;
}

int main(void) {
  board_init();
  runtime_model_t model;
  runtime_t rt;
  if (runtime_model_open(&model, MODEL_SYM, MODEL_LEN) != RUNTIME_OK) return fail("open", "model rejected");
  uint32_t t0 = board_counter();
  int rc = runtime_init(&rt, &model, OPS, arena, sizeof arena);
  uint32_t t1 = board_counter();
  if (rc) return fail("init", runtime_error(&rt));
  emit(put_u(put_s(0, "ARENA "), (uint32_t)runtime_arena_used(&rt)));
  emit(put_u(put_s(0, "ARENA_INIT_PEAK "), (uint32_t)runtime_arena_init_peak(&rt)));
  emit(put_u(put_s(0, "INIT "), board_counter_elapsed(t0, t1)));
  for (uint32_t i = 0; i < runtime_input_count(&rt); i++) {
    runtime_tensor_info_t in;
    runtime_input(&rt, i, &in);
    uint8_t *d = in.data;
    for (uint32_t k = 0; k < in.bytes; k++) d[k] = (uint8_t)((k * 151u + 7u) & 0xFFu);
  }
  /* One invoke timed whole, one with the per-op profiler (its own calls cost a few instructions). */
  t0 = board_counter();
  rc = runtime_invoke(&rt);
  t1 = board_counter();
  if (rc) return fail("invoke", runtime_error(&rt));
  emit(put_u(put_s(0, "INVOKE "), board_counter_elapsed(t0, t1)));
  runtime_profiler_t prof = {board_counter, board_counter_elapsed, report, 0};
  runtime_set_profiler(&rt, &prof);
  runtime_reset(&rt); /* the same state as the first invoke, so outputs match it */
  for (uint32_t i = 0; i < runtime_input_count(&rt); i++) {
    runtime_tensor_info_t in;
    runtime_input(&rt, i, &in);
    uint8_t *d = in.data;
    for (uint32_t k = 0; k < in.bytes; k++) d[k] = (uint8_t)((k * 151u + 7u) & 0xFFu);
  }
  if (runtime_invoke(&rt)) return fail("invoke", runtime_error(&rt));
  for (uint32_t i = 0; i < runtime_output_count(&rt); i++) {
    runtime_tensor_info_t out;
    runtime_output(&rt, i, &out);
    emit_hex("OUT ", i, out.data, out.bytes);
  }
  emit(put_u(put_s(0, "STACK "), (uint32_t)board_stack_peak()));
  /* Again with the inputs in the app's buffers (RUNTIME_INPUTS_EXTERNAL): the arena without them, and the
   * outputs, which the host holds equal to the ones above. */
  if (runtime_init_ex(&rt, &model, OPS, arena, sizeof arena, RUNTIME_INPUTS_EXTERNAL)) return fail("init", runtime_error(&rt));
  emit(put_u(put_s(0, "ARENA_EXTERNAL "), (uint32_t)runtime_arena_used(&rt)));
  static _Alignas(8) uint8_t app_inputs[16384];
  size_t used = 0;
  for (uint32_t i = 0; i < runtime_input_count(&rt); i++) {
    runtime_tensor_info_t in;
    runtime_input(&rt, i, &in);
    if (in.bytes > sizeof app_inputs - used) return fail("external", "inputs over 16 KB");
    uint8_t *d = app_inputs + used;
    used += (in.bytes + 7u) & ~7u;
    for (uint32_t k = 0; k < in.bytes; k++) d[k] = (uint8_t)((k * 151u + 7u) & 0xFFu);
    if (runtime_bind_input(&rt, i, d, in.bytes)) return fail("bind", runtime_error(&rt));
  }
  if (runtime_invoke(&rt)) return fail("invoke", runtime_error(&rt));
  for (uint32_t i = 0; i < runtime_output_count(&rt); i++) {
    runtime_tensor_info_t out;
    runtime_output(&rt, i, &out);
    emit_hex("OUTX ", i, out.data, out.bytes);
  }
  board_debug_write("DONE\n");
  return 0;
}

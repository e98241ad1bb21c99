/* Fuzz test of the model reader (and of everything a model that passes it reaches: the interpreter's
 * build, the kernels' prepare checks and one invoke): truncated, bit-flipped and random buffers must
 * give a clean error code with a message, never a crash or an out-of-bounds access. Run under
 * ASan/UBSan by ./hark test. Deterministic: a fixed-seed generator. First, the reference models: each runs, and
 * initializes in exactly the arena runtime_arena_init_peak() names and not in one byte less. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

extern const uint8_t micro_speech_model[], keyword_scrambled_model[], micro_speech_lstm_model[], ds_cnn_model[];
extern const uint32_t micro_speech_model_len, keyword_scrambled_model_len, micro_speech_lstm_model_len,
    ds_cnn_model_len;

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t)(rng_state >> 11);
}

static _Alignas(16) uint8_t arena[160 * 1024];
static _Alignas(16) uint8_t work[160 * 1024];
static _Alignas(16) uint8_t app_input[16 * 1024]; /* the app's buffer for RUNTIME_INPUTS_EXTERNAL */
static int failures;
static unsigned counts[4]; /* open failed, init failed, invoked, invoke failed */

#define CHECK(cond, ...)                  \
  do {                                    \
    if (!(cond)) {                        \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);       \
      fprintf(stderr, "\n");              \
      failures++;                         \
    }                                     \
  } while (0)

static int known_code(int rc) { return rc <= 0 && rc >= RUNTIME_E_EVAL; }

/* Opens, builds and (if asked) invokes a model; every failure must be a known code with a message. */
static void exercise(const uint8_t *data, uint32_t size, int invoke) {
  runtime_model_t m;
  int rc = runtime_model_open(&m, data, size);
  CHECK(known_code(rc), "open returned %d", rc);
  if (rc) {
    counts[0]++;
    return;
  }
  const uint8_t *meta;
  uint32_t meta_len;
  rc = runtime_model_metadata(&m, "hark", &meta, &meta_len);
  CHECK(rc == RUNTIME_OK || rc == RUNTIME_E_NOT_FOUND || rc == RUNTIME_E_MODEL, "metadata returned %d", rc);
  if (rc == RUNTIME_OK) CHECK(meta >= data && meta + meta_len <= data + size, "metadata outside the model");
  runtime_t rt;
  /* Every other model keeps its inputs in the app's buffer (one buffer, bound to the first input that fits). */
  uint32_t flags = rnd() & 1 ? RUNTIME_INPUTS_EXTERNAL : 0;
  rc = runtime_init_ex(&rt, &m, &runtime_all_ops, arena, sizeof arena, flags);
  CHECK(known_code(rc), "init returned %d", rc);
  if (rc) {
    CHECK(runtime_error(&rt)[0] != 0, "init failed (%d) without a message", rc);
    counts[1]++;
    return;
  }
  CHECK(runtime_arena_used(&rt) <= sizeof arena, "arena used beyond the arena");
  if (!invoke) return;
  int bound = 0;
  for (uint32_t i = 0; i < runtime_input_count(&rt); i++) {
    runtime_tensor_info_t info;
    if (runtime_input(&rt, i, &info) != RUNTIME_OK) continue;
    if (!info.data && !bound && info.bytes <= sizeof app_input) {
      bound = 1;
      CHECK(runtime_bind_input(&rt, i, app_input, info.bytes) == RUNTIME_OK, "bind: %s", runtime_error(&rt));
      runtime_input(&rt, i, &info);
    }
    if (info.data) memset(info.data, (int)(rnd() & 0xFF), info.bytes);
  }
  counts[2]++;
  rc = runtime_invoke(&rt);
  CHECK(known_code(rc), "invoke returned %d", rc);
  CHECK(!rc || runtime_error(&rt)[0] || rc != RUNTIME_E_ARG, "invoke refused without a message");
  if (rc) counts[3]++;
}

/* RUNTIME_INPUTS_EXTERNAL: the same outputs with the inputs in the app's buffers, no more arena, and clean
 * refusals of an invoke before every input is bound and of a wrong buffer. */
static void check_external(const char *name, const runtime_model_t *m) {
  runtime_t rt;
  static _Alignas(16) uint8_t expected[4][64];
  uint32_t n_out = 0, out_bytes[4] = {0};
  CHECK(runtime_init(&rt, m, &runtime_all_ops, arena, sizeof arena) == RUNTIME_OK, "%s: init", name);
  size_t planned_inside = runtime_arena_used(&rt);
  uint32_t n_in = runtime_input_count(&rt);
  CHECK(n_in >= 1 && n_in <= 4, "%s: inputs", name);
  size_t at = 0;
  for (uint32_t i = 0; i < n_in; i++) {
    runtime_tensor_info_t info;
    runtime_input(&rt, i, &info);
    CHECK(at + info.bytes <= sizeof app_input, "%s: inputs too large for the test buffer", name);
    for (uint32_t k = 0; k < info.bytes; k++) ((uint8_t *)info.data)[k] = app_input[at + k] = (uint8_t)(k * 151u + 7u);
    at += (info.bytes + 15u) & ~15u;
  }
  CHECK(runtime_invoke(&rt) == RUNTIME_OK, "%s: invoke", name);
  for (; n_out < runtime_output_count(&rt) && n_out < 4; n_out++) {
    runtime_tensor_info_t info;
    runtime_output(&rt, n_out, &info);
    out_bytes[n_out] = info.bytes < 64 ? info.bytes : 64;
    memcpy(expected[n_out], info.data, out_bytes[n_out]);
  }
  CHECK(runtime_init_ex(&rt, m, &runtime_all_ops, arena, sizeof arena, RUNTIME_INPUTS_EXTERNAL) == RUNTIME_OK,
        "%s: init external: %s", name, runtime_error(&rt));
  CHECK(runtime_arena_used(&rt) <= planned_inside, "%s: external inputs grew the arena", name);
  int rc = runtime_invoke(&rt);
  CHECK(rc == RUNTIME_E_ARG && strstr(runtime_error(&rt), "input 0 is not bound"), "%s: unbound invoke: %d %s", name,
        rc, runtime_error(&rt));
  runtime_tensor_info_t first;
  runtime_input(&rt, 0, &first);
  CHECK(first.data == NULL, "%s: an external input has arena memory", name);
  CHECK(runtime_bind_input(&rt, n_in, app_input, first.bytes) == RUNTIME_E_ARG, "%s: bind past the inputs", name);
  CHECK(runtime_bind_input(&rt, 0, app_input, first.bytes + 1) == RUNTIME_E_ARG &&
            strstr(runtime_error(&rt), "size"), "%s: bind of a wrong size: %s", name, runtime_error(&rt));
  CHECK(runtime_bind_input(&rt, 0, app_input + 1, first.bytes) == RUNTIME_E_ARG, "%s: misaligned bind", name);
  at = 0;
  for (uint32_t i = 0; i < n_in; i++) {
    runtime_tensor_info_t info;
    runtime_input(&rt, i, &info);
    CHECK(runtime_bind_input(&rt, i, app_input + at, info.bytes) == RUNTIME_OK, "%s: bind %u: %s", name, i,
          runtime_error(&rt));
    at += (info.bytes + 15u) & ~15u;
  }
  CHECK(runtime_invoke(&rt) == RUNTIME_OK, "%s: external invoke: %s", name, runtime_error(&rt));
  for (uint32_t i = 0; i < n_out; i++) {
    runtime_tensor_info_t info;
    runtime_output(&rt, i, &info);
    CHECK(memcmp(info.data, expected[i], out_bytes[i]) == 0, "%s: output %u differs with external inputs", name, i);
  }
  printf("%s: arena %zu bytes with the inputs in the app's buffer\n", name, runtime_arena_used(&rt));
}

#define MAX_OUT 4096

/* Three invokes on a fixed input pattern (state carries over in the streaming models); the outputs of the
 * last, concatenated into `out`. Returns their byte count, 0 on a failure (already reported). */
static size_t run(const char *name, runtime_t *rt, uint32_t flags, uint8_t *out) {
  size_t at = 0;
  for (uint32_t i = 0; i < runtime_input_count(rt); i++) {
    runtime_tensor_info_t info;
    runtime_input(rt, i, &info);
    uint8_t *d = info.data;
    if (flags & RUNTIME_INPUTS_EXTERNAL) {
      d = app_input + at;
      at += (info.bytes + 15u) & ~(size_t)15u;
      CHECK(at <= sizeof app_input && runtime_bind_input(rt, i, d, info.bytes) == RUNTIME_OK, "%s: bind %u", name, i);
    }
    for (uint32_t k = 0; k < info.bytes; k++) d[k] = (uint8_t)(k * 151u + 7u + i);
  }
  for (int n = 0; n < 3; n++) {
    int rc = runtime_invoke(rt);
    CHECK(rc == RUNTIME_OK, "%s: invoke: %s", name, runtime_error(rt));
    if (rc) return 0;
  }
  size_t len = 0;
  for (uint32_t i = 0; i < runtime_output_count(rt); i++) {
    runtime_tensor_info_t info;
    runtime_output(rt, i, &info);
    if (len + info.bytes > MAX_OUT) break;
    memcpy(out + len, info.data, info.bytes);
    len += info.bytes;
  }
  return len;
}

/* runtime_arena_init_peak(): an arena of exactly that many bytes initializes the model and gives the outputs
 * of a big arena, bit for bit; one byte less is a clean RUNTIME_E_ARENA. Each arena is its own heap block of
 * exactly that size, so ASan catches a byte read or written past it. `offset`: the arena starts that many
 * bytes past a 16-byte boundary (the peak counts the bytes lost to aligning its start). */
static void check_init_peak(const char *name, const uint8_t *data, uint32_t size, uint32_t flags, size_t offset) {
  runtime_model_t m;
  CHECK(runtime_model_open(&m, data, size) == RUNTIME_OK, "%s: open", name);
  runtime_t rt;
  int rc = runtime_init_ex(&rt, &m, &runtime_all_ops, arena + offset, sizeof arena - offset, flags);
  CHECK(rc == RUNTIME_OK, "%s: init in the big arena: %s", name, runtime_error(&rt));
  if (rc) return;
  static uint8_t want[MAX_OUT], got[MAX_OUT];
  size_t used = runtime_arena_used(&rt), peak = runtime_arena_init_peak(&rt);
  CHECK(peak >= used && peak < sizeof arena / 2, "%s: init peak %zu, used %zu", name, peak, used);
  size_t n = run(name, &rt, flags, want);
  CHECK(n > 0, "%s: no outputs", name);

  /* malloc's blocks start 16-byte aligned: `offset` past one, each arena ends at its block's end. */
  uint8_t *block = malloc(peak + offset);
  CHECK(block != NULL, "%s: malloc", name);
  if (!block) return;
  rc = runtime_init_ex(&rt, &m, &runtime_all_ops, block + offset, peak, flags);
  CHECK(rc == RUNTIME_OK, "%s: init in exactly %zu bytes: %d %s", name, peak, rc, runtime_error(&rt));
  if (rc == RUNTIME_OK) {
    CHECK(runtime_arena_init_peak(&rt) == peak && runtime_arena_used(&rt) == used, "%s: figures differ: %zu %zu",
          name, runtime_arena_init_peak(&rt), runtime_arena_used(&rt));
    CHECK(run(name, &rt, flags, got) == n && memcmp(got, want, n) == 0, "%s: outputs differ in %zu bytes", name,
          peak);
  }
  free(block);

  block = malloc(peak - 1 + offset);
  CHECK(block != NULL, "%s: malloc", name);
  if (!block) return;
  rc = runtime_init_ex(&rt, &m, &runtime_all_ops, block + offset, peak - 1, flags);
  CHECK(rc == RUNTIME_E_ARENA && strstr(runtime_error(&rt), "arena too small"), "%s: %zu bytes gave %d %s", name,
        peak - 1, rc, runtime_error(&rt));
  CHECK(runtime_arena_used(&rt) == 0 && runtime_arena_init_peak(&rt) == 0, "%s: figures of a failed init", name);
  free(block);
  if (!offset && !flags) printf("%s: arena %zu bytes after init, %zu during\n", name, used, peak);
}

static void expect_runs(const char *name, const uint8_t *data, uint32_t size, size_t max_arena) {
  runtime_model_t m;
  int rc = runtime_model_open(&m, data, size);
  CHECK(rc == RUNTIME_OK, "%s: open failed %d", name, rc);
  runtime_t rt;
  rc = runtime_init(&rt, &m, &runtime_all_ops, arena, sizeof arena);
  CHECK(rc == RUNTIME_OK, "%s: init failed %d: %s", name, rc, runtime_error(&rt));
  if (rc) return;
  CHECK(runtime_arena_used(&rt) <= max_arena, "%s: arena %zu > %zu", name, runtime_arena_used(&rt), max_arena);
  CHECK(runtime_invoke(&rt) == RUNTIME_OK, "%s: invoke failed: %s", name, runtime_error(&rt));
  uint32_t ops = runtime_op_count(&rt);
  /* Too small an arena is a clean error that names the size needed. */
  size_t used = runtime_arena_used(&rt);
  rc = runtime_init(&rt, &m, &runtime_all_ops, arena, used - 1);
  CHECK(rc == RUNTIME_E_ARENA, "%s: arena of used-1 bytes gave %d", name, rc);
  CHECK(strstr(runtime_error(&rt), "arena") != NULL, "%s: arena error message: %s", name, runtime_error(&rt));
  printf("%s: %u bytes, arena %zu bytes, %u ops\n", name, size, used, ops);
  check_external(name, &m);
  check_init_peak(name, data, size, 0, 0);
  check_init_peak(name, data, size, RUNTIME_INPUTS_EXTERNAL, 0);
  check_init_peak(name, data, size, 0, 3); /* an unaligned start */
}

static void fuzz(const char *name, const uint8_t *model, uint32_t size, unsigned flips, unsigned invoke_every) {
  unsigned before[4];
  memcpy(before, counts, sizeof before);
  /* Truncations: every length over the first 4 KB (tables live at both ends), a stride after it. */
  for (uint32_t len = 0; len < size; len += len < 4096 ? 1u : 1u + rnd() % 64u) {
    memcpy(work, model, len);
    exercise(work, len, 0);
  }
  for (uint32_t len = size > 4096 ? size - 4096 : 0; len < size; len++) {
    memcpy(work, model, len);
    exercise(work, len, 0);
  }
  /* Bit flips: 1 to 4 bits anywhere; every so often also invoke what still builds. */
  for (unsigned i = 0; i < flips; i++) {
    memcpy(work, model, size);
    unsigned n = 1 + rnd() % 4;
    for (unsigned k = 0; k < n; k++) {
      /* Half the flips land in the first and last 2 KB, where the tables are. */
      uint32_t pos = rnd() % size;
      if (rnd() & 1) pos = (rnd() & 1) ? rnd() % (size < 2048 ? size : 2048) : size - 1 - rnd() % (size < 2048 ? size : 2048);
      work[pos] ^= (uint8_t)(1u << (rnd() % 8));
    }
    exercise(work, size, (i % invoke_every) == 0);
  }
  /* Byte overwrites with "interesting" values (0, 0xFF, 0x7F, 0x80) at 4-byte aligned spots. */
  static const uint8_t vals[] = {0x00, 0xFF, 0x7F, 0x80, 0x01};
  for (unsigned i = 0; i < flips / 2; i++) {
    memcpy(work, model, size);
    uint32_t pos = (rnd() % size) & ~3u;
    uint32_t span = 1 + rnd() % 4;
    for (uint32_t k = 0; k < span && pos + k < size; k++) work[pos + k] = vals[rnd() % sizeof vals];
    exercise(work, size, (i % invoke_every) == 0);
  }
  printf("%s: open failed %u, init failed %u, invoked %u (failed %u)\n", name, counts[0] - before[0],
         counts[1] - before[1], counts[2] - before[2], counts[3] - before[3]);
}

static void random_buffers(void) {
  for (unsigned i = 0; i < 20000; i++) {
    uint32_t len = rnd() % 2048;
    for (uint32_t k = 0; k < len; k++) work[k] = (uint8_t)rnd();
    if (len >= 8 && (i & 1)) { /* a plausible root offset, so the walk goes deeper */
      uint32_t root = (rnd() % (len / 4)) * 4;
      memcpy(work, &root, 4);
    }
    exercise(work, len, 1);
  }
}

static void specific_cases(void) {
  runtime_model_t m;
  CHECK(runtime_model_open(&m, NULL, 100) == RUNTIME_E_ARG, "NULL data");
  CHECK(runtime_model_open(&m, micro_speech_model + 1, micro_speech_model_len - 1) == RUNTIME_E_ARG, "misaligned");
  memcpy(work, micro_speech_model, micro_speech_model_len);
  uint32_t huge = 0xFFFFFFF0u;
  memcpy(work, &huge, 4); /* root offset far outside */
  CHECK(runtime_model_open(&m, work, micro_speech_model_len) == RUNTIME_E_MODEL, "root outside");
  /* An op the resolver lacks is named with its index. */
  static const runtime_kernel_t *const only_fc[] = {&RUNTIME_KERNEL(FULLY_CONNECTED)};
  runtime_ops_t few = {only_fc, 1, runtime_builtin_name};
  runtime_t rt;
  CHECK(runtime_model_open(&m, micro_speech_model, micro_speech_model_len) == RUNTIME_OK, "open");
  int rc = runtime_init(&rt, &m, &few, arena, sizeof arena);
  CHECK(rc == RUNTIME_E_UNSUPPORTED && strstr(runtime_error(&rt), "op 0 (RESHAPE, builtin code 22): unsupported op"),
        "unsupported op message: %d %s", rc, runtime_error(&rt));
  /* A table without names (as generated ones, to save their flash) gives the code alone. */
  few.builtin_name = NULL;
  rc = runtime_init(&rt, &m, &few, arena, sizeof arena);
  CHECK(rc == RUNTIME_E_UNSUPPORTED && strstr(runtime_error(&rt), "op 0 (builtin code 22): unsupported op"),
        "unsupported op message without names: %d %s", rc, runtime_error(&rt));
  /* A variant (runtime.h) runs the shapes it covers and refuses others, naming itself. */
  static const runtime_kernel_t *const one_channel[] = {
      &RUNTIME_KERNEL(RESHAPE), &RUNTIME_KERNEL(DEPTHWISE_CONV_2D_ONE_CHANNEL), &RUNTIME_KERNEL(FULLY_CONNECTED),
      &RUNTIME_KERNEL(SOFTMAX), &RUNTIME_KERNEL(CONV_2D), &RUNTIME_KERNEL(AVERAGE_POOL_2D)};
  runtime_ops_t variant = {one_channel, 6, NULL};
  rc = runtime_init(&rt, &m, &variant, arena, sizeof arena);
  CHECK(rc == RUNTIME_OK && runtime_invoke(&rt) == RUNTIME_OK, "micro_speech on the one-channel variant: %s",
        runtime_error(&rt));
  runtime_model_t ds;
  CHECK(runtime_model_open(&ds, ds_cnn_model, ds_cnn_model_len) == RUNTIME_OK, "open ds_cnn");
  rc = runtime_init(&rt, &ds, &variant, arena, sizeof arena);
  CHECK(rc == RUNTIME_E_UNSUPPORTED && strstr(runtime_error(&rt), "(DEPTHWISE_CONV_2D): this build links only"),
        "ds_cnn on the one-channel variant: %d %s", rc, runtime_error(&rt));
  const uint8_t *meta;
  uint32_t meta_len;
  CHECK(runtime_model_metadata(&m, "min_runtime_version", &meta, &meta_len) == RUNTIME_OK && meta_len > 0,
        "metadata lookup");
  CHECK(runtime_model_metadata(&m, "hark", &meta, &meta_len) == RUNTIME_E_NOT_FOUND, "absent metadata");
}

int main(int argc, char **argv) {
  unsigned flips = argc > 1 ? (unsigned)atoi(argv[1]) : 3000;
  specific_cases();
  /* Arena bounds: TFLM's figures on the 32-bit board (the emulator test holds micro_speech to its figure
   * there); a 64-bit host's pointers and 8-byte alignment make the persistent part larger, so this guard
   * only catches gross planner regressions. */
  const size_t host_slack = sizeof(void *) > 4 ? 2048 : 0;
  expect_runs("micro_speech_quantized", micro_speech_model, micro_speech_model_len, 6788 + host_slack);
  expect_runs("keyword_scrambled", keyword_scrambled_model, keyword_scrambled_model_len, 13172 + host_slack);
  expect_runs("ds_cnn_mlperf", ds_cnn_model, ds_cnn_model_len, 22772 + host_slack);
  /* No TFLM figure for the LSTM model: a bound that fits its tensors plus the LSTM scratch. */
  expect_runs("micro_speech_lstm", micro_speech_lstm_model, micro_speech_lstm_model_len, 32 * 1024);
  fuzz("micro_speech_quantized", micro_speech_model, micro_speech_model_len, flips, 8);
  fuzz("keyword_scrambled", keyword_scrambled_model, keyword_scrambled_model_len, flips, 8);
  fuzz("micro_speech_lstm", micro_speech_lstm_model, micro_speech_lstm_model_len, flips / 2, 64);
  /* The overlap chains' planning (convolutions), on what of a damaged ds_cnn still builds. */
  fuzz("ds_cnn_mlperf", ds_cnn_model, ds_cnn_model_len, flips / 4, 16);
  random_buffers();
  printf("%s (%d failures)\n", failures ? "FAILED" : "ok", failures);
  return failures ? 1 : 0;
}

/* Harness: the runtime on any bytes. Opens the model, builds it in a 64 KB arena, and when init succeeds
 * invokes it three times (with a reset between) on inputs derived from the model bytes. Everything past
 * the arena's used part is poisoned after init: a kernel that reaches beyond its planned tensors or
 * scratch is an ASan report. Init failures must carry a message.
 *
 * Odd-sized inputs build with RUNTIME_INPUTS_EXTERNAL, as the kws pipeline does (the model's input is its
 * feature window): the inputs live in a buffer of their own, poisoned past them, and must come back from
 * every invoke unchanged, since the runtime promises to only read them. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "runtime.h"

#define ARENA_BYTES (64u * 1024u)
#define MODEL_MAX (256u * 1024u)

static _Alignas(16) uint8_t model[MODEL_MAX];
static _Alignas(16) uint8_t arena[ARENA_BYTES];
static _Alignas(16) uint8_t inputs[16u * 1024u];
static size_t inputs_used;

/* Binds every input into `inputs`; 0 when the model's inputs do not fit this harness's buffer. */
static int bind_inputs(runtime_t *rt) {
  size_t at = 0;
  for (uint32_t i = 0; i < runtime_input_count(rt); i++) {
    runtime_tensor_info_t t;
    if (runtime_input(rt, i, &t) != RUNTIME_OK) abort();
    size_t room = (t.bytes + 15u) & ~(size_t)15u;
    if (room > sizeof inputs - at) return 0;
    if (runtime_bind_input(rt, i, inputs + at, t.bytes + 1u) == RUNTIME_OK) abort(); /* a wrong size */
    if (runtime_bind_input(rt, i, inputs + at, t.bytes) != RUNTIME_OK) {
      if (!runtime_error(rt)[0]) abort(); /* e.g. an input the model holds as a constant: refused, saying why */
      return 0;
    }
    at += room;
  }
  inputs_used = at;
  FUZZ_POISON(inputs + at, sizeof inputs - at);
  return 1;
}

static uint32_t checksum(const uint8_t *p, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}

static void fill_inputs(runtime_t *rt, uint32_t seed) {
  for (uint32_t i = 0; i < runtime_input_count(rt); i++) {
    runtime_tensor_info_t t;
    if (runtime_input(rt, i, &t) != RUNTIME_OK || !t.data) continue;
    uint8_t *p = t.data;
    for (uint32_t k = 0; k < t.bytes; k++) {
      seed = seed * 1103515245u + 12345u;
      p[k] = (uint8_t)(seed >> 16);
    }
    if (t.type == RUNTIME_FLOAT32) /* keep floats finite: a NaN input is not what this harness probes */
      for (uint32_t k = 0; k + 4 <= t.bytes; k += 4) p[k + 3] &= 0x3F;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > MODEL_MAX) return 0;
  FUZZ_UNPOISON(model, sizeof model);
  FUZZ_UNPOISON(arena, sizeof arena);
  FUZZ_UNPOISON(inputs, sizeof inputs);
  memset(inputs, 0, sizeof inputs);
  inputs_used = 0;
  const int external = (int)(size & 1u);
  memcpy(model, data, size);
  FUZZ_POISON(model + size, sizeof model - size); /* the model ends where the input does */
  runtime_model_t m;
  if (runtime_model_open(&m, model, size) != RUNTIME_OK) return 0;
  const uint8_t *meta;
  uint32_t meta_len;
  if (runtime_model_metadata(&m, "hark", &meta, &meta_len) == RUNTIME_OK && meta_len) {
    volatile uint8_t sink = meta[0] ^ meta[meta_len - 1u]; /* the bytes must lie inside the model */
    (void)sink;
  }
  runtime_t rt;
  int rc = runtime_init_ex(&rt, &m, &runtime_all_ops, arena, sizeof arena, external ? RUNTIME_INPUTS_EXTERNAL : 0u);
  if (rc != RUNTIME_OK) {
    if (!runtime_error(&rt)[0]) abort(); /* every refusal says why */
    return 0;
  }
  size_t used = runtime_arena_used(&rt);
  if (used > sizeof arena) abort();
  /* The interpreter sits at the arena start, aligned; poison everything after what it reports. */
  size_t skew = (size_t)((uintptr_t)rt.impl - (uintptr_t)arena);
  FUZZ_POISON(arena + skew + used, sizeof arena - skew - used);
  if (external && !bind_inputs(&rt)) {
    FUZZ_UNPOISON(arena, sizeof arena);
    FUZZ_UNPOISON(model, sizeof model);
    return 0;
  }
  for (int round = 0; round < 3; round++) {
    fill_inputs(&rt, (uint32_t)size * 2654435761u + (uint32_t)round);
    const uint32_t before = checksum(inputs, inputs_used);
    rc = runtime_invoke(&rt);
    if (rc != RUNTIME_OK && !runtime_error(&rt)[0]) abort();
    if (checksum(inputs, inputs_used) != before) abort(); /* an op wrote an external input */
    for (uint32_t i = 0; i < runtime_output_count(&rt); i++) {
      runtime_tensor_info_t t;
      if (runtime_output(&rt, i, &t) == RUNTIME_OK && t.data && t.bytes) {
        volatile uint8_t sink = ((const uint8_t *)t.data)[t.bytes - 1u];
        (void)sink;
      }
    }
    if (round == 1) runtime_reset(&rt);
  }
  for (uint32_t i = 0; i < runtime_op_count(&rt); i++)
    if (!runtime_op_name(&rt, i)) abort();
  FUZZ_UNPOISON(arena, sizeof arena);
  FUZZ_UNPOISON(model, sizeof model);
  FUZZ_UNPOISON(inputs, sizeof inputs);
  return 0;
}

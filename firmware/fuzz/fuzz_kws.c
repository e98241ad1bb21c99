/* Harness: the keyword pipeline (firmware/kws) on any model bytes: init in a 96 KB arena, then hops of
 * audio derived from the input, a recognition change, a reset and a profile. The arena past what
 * kws_arena_used() reports is poisoned after init. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "kws.h"

#define ARENA_BYTES (96u * 1024u)
#define MODEL_MAX (256u * 1024u)

static _Alignas(16) uint8_t model[MODEL_MAX];
static _Alignas(16) uint8_t arena[ARENA_BYTES];
static kws_t k;
static int16_t hop[4096];
static uint32_t counts[512];
static uint32_t ticks;

static uint32_t tick(void) { return ticks += 3u; }
static uint32_t elapsed(uint32_t a, uint32_t b) { return b - a; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > MODEL_MAX) return 0;
  FUZZ_UNPOISON(arena, sizeof arena);
  memcpy(model, data, size);
  kws_clock_t clock = {tick, elapsed};
  int rc = kws_init(&k, model, (uint32_t)size, kws_all_ops(), arena, sizeof arena, &clock);
  if (rc != KWS_OK) {
    if (!kws_error(&k)[0]) abort();
    return 0;
  }
  size_t used = kws_arena_used(&k);
  if (used > sizeof arena) abort();
  FUZZ_POISON(arena + used, sizeof arena - used);
  uint32_t n = kws_hop_samples(&k);
  if (n > sizeof hop / sizeof hop[0]) abort(); /* the frontend bounds a hop at its window, <= 4096 */
  uint32_t seed = (uint32_t)size;
  for (int h = 0; h < 12 && n; h++) {
    for (uint32_t i = 0; i < n; i++) {
      seed = seed * 1664525u + 1013904223u;
      hop[i] = (int16_t)((int32_t)(seed >> 16) - 32768) >> (h & 7);
    }
    kws_hop_t out;
    rc = kws_hop(&k, hop, &out);
    if (rc != KWS_OK && !kws_error(&k)[0]) abort();
    if (out.invoked && out.score_count && out.scores) {
      volatile int8_t s = out.scores[out.score_count - 1u];
      (void)s;
    }
    if (h == 5) {
      kws_recognition_t r;
      kws_get_recognition(&k, &r);
      r.average_window_ms = (int32_t)(seed % 4000u);
      (void)kws_set_recognition(&k, &r);
    }
    if (h == 8) kws_reset(&k);
  }
  uint16_t ops = 0;
  uint32_t total = 0;
  if (kws_profile(&k, counts, 512, &ops, &total) == KWS_OK && ops > 512) abort();
  FUZZ_UNPOISON(arena, sizeof arena);
  return 0;
}

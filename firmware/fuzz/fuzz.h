/* Shared by the libFuzzer harnesses (fuzz_*.c): the entry point, and ASan helpers that mark the arena
 * bytes the runtime did not plan as unaddressable, so that any access outside the model, the arena's used
 * part or the scratch is a sanitizer report, not a silent overwrite of spare bytes. */
#ifndef HARK_FUZZ_H
#define HARK_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#if defined(__SANITIZE_ADDRESS__)
#define HARK_FUZZ_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HARK_FUZZ_ASAN 1
#endif
#endif

#ifdef HARK_FUZZ_ASAN
#include <sanitizer/asan_interface.h>
#define FUZZ_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define FUZZ_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define FUZZ_POISON(p, n) ((void)(p), (void)(n))
#define FUZZ_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* A deterministic byte stream over the input (structured harnesses): reads past the end give 0. */
typedef struct {
  const uint8_t *data;
  size_t size, pos;
} fuzz_stream_t;

static inline uint8_t fuzz_u8(fuzz_stream_t *s) { return s->pos < s->size ? s->data[s->pos++] : 0; }
static inline uint16_t fuzz_u16(fuzz_stream_t *s) {
  uint16_t lo = fuzz_u8(s);
  return (uint16_t)(lo | (uint16_t)(fuzz_u8(s) << 8));
}
static inline uint32_t fuzz_u32(fuzz_stream_t *s) {
  uint32_t lo = fuzz_u16(s);
  return lo | ((uint32_t)fuzz_u16(s) << 16);
}

#endif

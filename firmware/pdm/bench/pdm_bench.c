/* Benchmark image: instructions (QEMU -icount) to decimate one 20 ms hop of PDM (1280 words -> 320
 * samples), after a warm-up hop; printed through semihosting. The cost does not depend on the bits. */
#include <stdint.h>

#include "board.h"
#include "fmt.h"
#include "pdm.h"

#define HOP_WORDS 1280u

static uint16_t words[HOP_WORDS];
static int16_t out[HOP_WORDS / PDM_WORDS_PER_SAMPLE];
static pdm_t pdm;

int main(void) {
  board_init();
  uint32_t x = 0x12345678u;
  for (uint32_t i = 0; i < HOP_WORDS; i++) {
    x = x * 1664525u + 1013904223u;
    words[i] = (uint16_t)(x >> 16);
  }
  pdm_init(&pdm, 0);
  pdm_process(&pdm, words, HOP_WORDS, out, sizeof out / sizeof out[0]);
  uint32_t t0 = board_counter();
  size_t n = pdm_process(&pdm, words, HOP_WORDS, out, sizeof out / sizeof out[0]);
  uint32_t t1 = board_counter();
  char buf[96];
  size_t p = fmt_str(buf, 0, sizeof buf, "pdm_bench samples=");
  p = fmt_u32(buf, p, sizeof buf, (uint32_t)n);
  p = fmt_str(buf, p, sizeof buf, " per_hop=");
  p = fmt_u32(buf, p, sizeof buf, board_counter_elapsed(t0, t1));
  fmt_str(buf, p, sizeof buf, "\n");
  board_debug_write(buf);
  return n == HOP_WORDS / PDM_WORDS_PER_SAMPLE ? 0 : 1;
}

/* Test image: times a fixed integer workload with the board counter and prints the readings
 * through semihosting, then exits with the code the host checks. Under QEMU's -icount the
 * readings are instruction counts and must repeat exactly run to run. */
#include <stdint.h>

#include "board.h"
#include "fmt.h"

static volatile uint32_t sink;

static void __attribute__((noinline)) workload(uint32_t n) {
  uint32_t acc = 0x12345678u;
  for (uint32_t i = 0; i < n; i++) acc = acc * 1664525u + 1013904223u + (acc >> 7);
  sink = acc;
}

int main(void) {
  board_init();
  char buf[128];
  size_t p = fmt_str(buf, 0, sizeof buf, "counter_selftest");
  static const uint32_t sizes[] = {1000u, 10000u, 100000u};
  for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    uint32_t t0 = board_counter();
    workload(sizes[i]);
    uint32_t t1 = board_counter();
    p = fmt_str(buf, p, sizeof buf, " ");
    p = fmt_u32(buf, p, sizeof buf, sizes[i]);
    p = fmt_str(buf, p, sizeof buf, "=");
    p = fmt_u32(buf, p, sizeof buf, board_counter_elapsed(t0, t1));
  }
  fmt_str(buf, p, sizeof buf, "\n");
  board_debug_write(buf);
  return 0;
}

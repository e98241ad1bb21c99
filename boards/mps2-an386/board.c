/* mps2-an386 under QEMU: the board interface over CMSDK UART0, the FPGA IO counter and semihosting. */
#include "board.h"

#include "mps2_an386.h"
#include "semihosting.h"
#include "uart.h"

extern uint32_t __stack_limit, __stack_top, __data_start, __bss_end, __flash_end;

static const board_info_t info = {
    .name = "mps2-an386",
    .cpu = "cortex-m4f",
    .clock_hz = 25000000u,
    .counter_kind = BOARD_COUNTER_INSTRUCTIONS,
    .has_microphone = 0,
};

void board_init(void) { uart_init(); }

const board_info_t *board_info(void) { return &info; }

board_reset_cause_t board_reset_cause(void) { return BOARD_RESET_POWER_ON; }

void board_wait_for_event(void) {
  /* Masking first closes the race between checking the ring and sleeping: a byte arriving in
   * between still pends its interrupt, and WFI wakes on a pending interrupt even when masked. */
  __asm volatile("cpsid i" ::: "memory");
  if (!uart_rx_pending()) __asm volatile("wfi");
  __asm volatile("cpsie i" ::: "memory");
}

uint32_t board_counter(void) { return FPGAIO_COUNTER; }

uint32_t board_counter_elapsed(uint32_t start, uint32_t end) {
  uint64_t ticks = (uint32_t)(end - start);
  return (uint32_t)((ticks * FPGAIO_NS_PER_TICK + ICOUNT_NS_PER_INSN / 2u) / ICOUNT_NS_PER_INSN);
}

int32_t board_audio_read(int16_t *samples, size_t n) {
  (void)samples;
  (void)n;
  return -1;
}

size_t board_stack_size(void) { return (size_t)((uintptr_t)&__stack_top - (uintptr_t)&__stack_limit); }

size_t board_stack_peak(void) {
  const uint32_t *p = &__stack_limit;
  /* __stack_limit..__stack_top is one region the linker script defines: the comparison is sound. */
  /* cppcheck-suppress comparePointers */
  while (p < &__stack_top && *p == 0xA5A5A5A5u) p++;
  return (size_t)((uintptr_t)&__stack_top - (uintptr_t)p);
}

size_t board_flash_used(void) { return (size_t)(uintptr_t)&__flash_end; }

size_t board_static_ram_used(void) { return (size_t)((uintptr_t)&__bss_end - (uintptr_t)&__data_start); }

void board_exit(int code) {
  semihosting_exit(code);
  for (;;) {
  }
}

void board_debug_write(const char *text) { semihosting_write0(text); }

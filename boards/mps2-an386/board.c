/* mps2-an386 under QEMU: the board interface over CMSDK UART0, the FPGA IO counter and semihosting. */
#include "board.h"

#include "cortexm.h"
#include "mps2_an386.h"
#include "semihost_mic.h"
#include "semihosting.h"
#include "uart.h"

extern uint32_t __stack_limit, __stack_top, __data_start, __bss_end, __flash_end;

static board_info_t info = {
    .name = "mps2-an386",
    .cpu = "cortex-m4f",
    .clock_hz = 25000000u,
    .counter_kind = BOARD_COUNTER_INSTRUCTIONS,
    .has_microphone = 0, /* 1 once a semihosting microphone WAV is open */
    .clock = "25 MHz (QEMU)",
};

void board_init(void) {
  uart_init();
  info.has_microphone = semihost_mic_open();
}

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

int32_t board_audio_read(int16_t *samples, size_t n) { return semihost_mic_read(samples, n); }

uint32_t board_audio_overruns(void) { return 0; /* the file waits for the app: nothing is lost */ }

size_t board_stack_size(void) { return (size_t)((uintptr_t)&__stack_top - (uintptr_t)&__stack_limit); }

size_t board_stack_peak(void) { return cortexm_stack_peak(); }

size_t board_flash_used(void) { return (size_t)(uintptr_t)&__flash_end; }

size_t board_static_ram_used(void) { return (size_t)((uintptr_t)&__bss_end - (uintptr_t)&__data_start); }

void board_exit(int code) {
  semihosting_exit(code);
  for (;;) {
  }
}

void board_debug_write(const char *text) { semihosting_write0(text); }

/* B-L475E-IOT01A (STM32L475VG, Cortex-M4F at 80 MHz): the board interface over the MSI -> PLL clock
 * (bounded waits), USART1 (the ST-LINK virtual COM port, PB6/PB7), DWT CYCCNT and the DFSDM microphone.
 * No QEMU machine models the L4: compile-checked, not run (docs/boards/b-l475e-iot01a.md). */
#include "board.h"

#include "cortexm.h"
#include "mic.h"
#include "stm32l475.h"

extern uint32_t __stack_limit, __stack_top, __data_start, __bss_end, __flash_end, __flash_start;

#define MSI_HZ 4000000u
#define SYSCLK_HZ 80000000u
#define READY_POLLS 200000u
#define CONSOLE_BAUD 115200u

void usart1_init(uint32_t pclk_hz, uint32_t baud);
int usart1_rx_pending(void);

static board_info_t info = {
    .name = "b-l475e-iot01a",
    .cpu = "cortex-m4f",
    .counter_kind = BOARD_COUNTER_CYCLES,
};

/* MSI 4 MHz -> PLL (M 1, N 40, R 2) -> 80 MHz, flash 4 wait states; on a timeout the core stays on MSI. */
static void clock_init(void) {
  info.clock_hz = MSI_HZ;
  info.clock = "MSI 4 MHz: PLL did not lock (timeout)";
  FLASH_ACR = 4u | (1u << 8) | (1u << 9) | (1u << 10); /* 4 WS, prefetch, I and D caches */
  RCC_PLLCFGR = 1u | (0u << 4) | (40u << 8) | (1u << 24); /* MSI source, M 1, N 40, R 2, REN */
  RCC_CR |= RCC_CR_PLLON;
  uint32_t i = 0;
  while (!(RCC_CR & RCC_CR_PLLRDY)) {
    if (++i == READY_POLLS) return;
  }
  RCC_CFGR = (RCC_CFGR & ~3u) | 3u;
  for (i = 0; ((RCC_CFGR >> 2) & 3u) != 3u; i++) {
    if (i == READY_POLLS) {
      RCC_CFGR &= ~3u;
      info.clock = "MSI 4 MHz: switch to PLL timed out";
      return;
    }
  }
  info.clock_hz = SYSCLK_HZ;
  info.clock = "PLL 80 MHz from MSI 4 MHz";
}

void board_init(void) {
  clock_init();
  usart1_init(info.clock_hz, CONSOLE_BAUD);
  DEMCR |= 1u << 24;
  DWT_CYCCNT = 0;
  DWT_CTRL |= 1u;
  info.has_microphone = mic_start(info.clock_hz) == 0;
}

const board_info_t *board_info(void) { return &info; }

board_reset_cause_t board_reset_cause(void) {
  uint32_t csr = RCC_CSR;
  if (csr & (RCC_CSR_IWDGRSTF | RCC_CSR_WWDGRSTF)) return BOARD_RESET_WATCHDOG;
  if (csr & RCC_CSR_SFTRSTF) return BOARD_RESET_SOFTWARE;
  if (csr & RCC_CSR_BORRSTF) return BOARD_RESET_POWER_ON;
  if (csr & RCC_CSR_PINRSTF) return BOARD_RESET_PIN;
  return BOARD_RESET_UNKNOWN;
}

void board_wait_for_event(void) {
  __asm volatile("cpsid i" ::: "memory");
  if (!usart1_rx_pending() && !mic_ready()) __asm volatile("wfi");
  __asm volatile("cpsie i" ::: "memory");
}

uint32_t board_counter(void) { return DWT_CYCCNT; }
uint32_t board_counter_elapsed(uint32_t start, uint32_t end) { return end - start; }
int32_t board_audio_read(int16_t *samples, size_t n) { return info.has_microphone ? mic_read(samples, n) : -1; }
uint32_t board_audio_overruns(void) { return mic_overruns(); }
size_t board_stack_size(void) { return (size_t)((uintptr_t)&__stack_top - (uintptr_t)&__stack_limit); }
size_t board_stack_peak(void) { return cortexm_stack_peak(); }
size_t board_flash_used(void) { return (size_t)((uintptr_t)&__flash_end - (uintptr_t)&__flash_start); }
size_t board_static_ram_used(void) { return (size_t)((uintptr_t)&__bss_end - (uintptr_t)&__data_start); }

void board_exit(int code) {
  (void)code;
  __asm volatile("cpsid i");
  for (;;) {
    __asm volatile("wfi");
  }
}

void board_debug_write(const char *text) { (void)text; /* no semihosting without a debugger: reports go to the console */ }

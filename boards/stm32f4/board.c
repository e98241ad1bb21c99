/* STM32F4 boards (netduinoplus2 under QEMU, NUCLEO-F446RE, STM32F4-Discovery): the board interface
 * over the clock tree, the console USART, a counter and the board's microphone. Register level. */
#include "board.h"

#include "clock.h"
#include "cortexm.h"
#include "stm32f4.h"
#include "usart.h"
#ifdef HARK_EMULATED
#include "semihost_mic.h"
#include "semihosting.h"
#endif
#ifdef HARK_MIC_PDM_I2S2
#include "pdm_mic.h"
#endif

extern uint32_t __stack_limit, __stack_top, __data_start, __bss_end, __flash_end, __flash_start, __arena_start,
    __arena_end;

#define CONSOLE_BAUD 115200u

static board_info_t info = {
    .name = HARK_BOARD_NAME,
    .cpu = "cortex-m4f",
#ifdef HARK_EMULATED
    /* QEMU's TIM2 at 1 GHz with prescaler 128 under -icount shift=7: one count per instruction. */
    .counter_kind = BOARD_COUNTER_INSTRUCTIONS,
#else
    .counter_kind = BOARD_COUNTER_CYCLES,
#endif
};

static void counter_init(void) {
#ifdef HARK_EMULATED
  /* DWT CYCCNT reads 0 under QEMU. TIM2 is modelled, and counts virtual nanoseconds / (PSC + 1); with
   * -icount shift=7 an instruction is 128 ns, so PSC = 127 makes it an exact instruction count. */
  RCC_APB1ENR |= RCC_APB1ENR_TIM2EN;
  TIM_PSC(TIM2_BASE) = 127u;
  TIM_ARR(TIM2_BASE) = 0xFFFFFFFFu;
  TIM_EGR(TIM2_BASE) = 1u; /* UG: load the prescaler now */
  TIM_CR1(TIM2_BASE) = 1u; /* CEN */
#else
  DEMCR |= DEMCR_TRCENA;
  DWT_LAR = 0xC5ACCE55u; /* unlock (needed on some cores, ignored on the M4) */
  DWT_CYCCNT = 0u;
  DWT_CTRL |= DWT_CTRL_CYCCNTENA;
#endif
}

void board_init(void) {
  const clock_state_t *clk = clock_init();
  info.clock_hz = clk->sysclk_hz;
  info.clock = clk->text;
  usart_init(HARK_CONSOLE_USART == 1 ? clk->apb2_hz : clk->apb1_hz, CONSOLE_BAUD);
  counter_init();
#ifdef HARK_EMULATED
  info.has_microphone = semihost_mic_open();
#elif defined(HARK_MIC_PDM_I2S2)
  info.has_microphone = pdm_mic_start(clk) == 0;
#endif
}

const board_info_t *board_info(void) { return &info; }

board_reset_cause_t board_reset_cause(void) {
  uint32_t csr = RCC_CSR;
  board_reset_cause_t cause = BOARD_RESET_UNKNOWN; /* QEMU models no RCC: all flags read 0 */
  if (csr & (RCC_CSR_IWDGRSTF | RCC_CSR_WWDGRSTF)) {
    cause = BOARD_RESET_WATCHDOG;
  } else if (csr & RCC_CSR_SFTRSTF) {
    cause = BOARD_RESET_SOFTWARE;
  } else if (csr & RCC_CSR_PORRSTF) {
    cause = BOARD_RESET_POWER_ON;
  } else if (csr & RCC_CSR_PINRSTF) {
    cause = BOARD_RESET_PIN;
  }
  return cause;
}

void board_wait_for_event(void) {
  /* Masking first closes the race between checking for work and sleeping: an interrupt arriving in
   * between still pends, and WFI wakes on a pending interrupt even when masked. */
  __asm volatile("cpsid i" ::: "memory");
  int idle = !usart_rx_pending();
#ifdef HARK_MIC_PDM_I2S2
  idle = idle && !pdm_mic_ready();
#endif
  if (idle) __asm volatile("wfi");
  __asm volatile("cpsie i" ::: "memory");
}

#ifdef HARK_EMULATED
uint32_t board_counter(void) { return TIM_CNT(TIM2_BASE); }
#else
uint32_t board_counter(void) { return DWT_CYCCNT; }
#endif

uint32_t board_counter_elapsed(uint32_t start, uint32_t end) { return end - start; }

int32_t board_audio_read(int16_t *samples, size_t n) {
#ifdef HARK_EMULATED
  return semihost_mic_read(samples, n);
#elif defined(HARK_MIC_PDM_I2S2)
  return pdm_mic_read(samples, n);
#else
  (void)samples;
  (void)n;
  return -1;
#endif
}

uint32_t board_audio_overruns(void) {
#ifdef HARK_MIC_PDM_I2S2
  return pdm_mic_overruns();
#else
  return 0u;
#endif
}

size_t board_stack_size(void) { return (size_t)((uintptr_t)&__stack_top - (uintptr_t)&__stack_limit); }
size_t board_stack_peak(void) { return cortexm_stack_peak(); }
size_t board_flash_used(void) { return (size_t)((uintptr_t)&__flash_end - (uintptr_t)&__flash_start); }
size_t board_static_ram_used(void) {
  size_t ram = (size_t)((uintptr_t)&__bss_end - (uintptr_t)&__data_start);
  /* An arena in CCM lies outside .data..bss: count it too. */
  /* Compared as addresses: the arena may be a different region (CCM) from .data..bss. */
  uintptr_t arena = (uintptr_t)&__arena_start;
  if (arena < (uintptr_t)&__data_start || arena >= (uintptr_t)&__bss_end) {
    ram += (size_t)((uintptr_t)&__arena_end - (uintptr_t)&__arena_start);
  }
  return ram;
}

void board_exit(int code) {
#ifdef HARK_EMULATED
  semihosting_exit(code);
#else
  (void)code; /* no host to tell on hardware: halt where a debugger can see it */
  __asm volatile("cpsid i");
#endif
  for (;;) {
    __asm volatile("wfi");
  }
}

void board_debug_write(const char *text) {
#ifdef HARK_EMULATED
  semihosting_write0(text);
#else
  (void)text; /* semihosting without a debugger attached would fault; the console carries reports */
#endif
}

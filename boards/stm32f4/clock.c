#include "clock.h"

#include "stm32f4.h"

#define HSI_HZ 16000000u
/* Polls before a ready bit is declared dead. An HSE crystal starts in about 2 ms and the PLL locks in
 * about 0.1 ms; 200000 polls are over 50 ms at 16 MHz, so a healthy board never comes near it. */
#define READY_POLLS 200000u

#ifndef HARK_HSE_HZ
#error "the board variant must set HARK_HSE_HZ (0: no HSE, run on HSI)"
#endif
#ifndef HARK_HSE_BYPASS
#define HARK_HSE_BYPASS 0 /* 1: the HSE pin takes an external clock (the ST-LINK's MCO), not a crystal */
#endif
#ifndef HARK_SYSCLK_HZ
#error "the board variant must set HARK_SYSCLK_HZ"
#endif

/* Per part: flash wait states at 2.7-3.6 V and the APB dividers that keep APB1/APB2 under their
 * maxima (F405/F407: 42/84 MHz, F411: 50/100 MHz, F446: 45/90 MHz). */
#if defined(HARK_PART_F411)
#define FLASH_LATENCY 3u
#define PPRE1 (4u << 10) /* /2 */
#define PPRE2 0u         /* /1 */
#define APB1_DIV 2u
#define APB2_DIV 1u
#define VOS_BITS (3u << 14)
#else /* F405, F407, F446 at 168 MHz */
#define FLASH_LATENCY 5u
#define PPRE1 RCC_CFGR_PPRE1_DIV4
#define PPRE2 RCC_CFGR_PPRE2_DIV2
#define APB1_DIV 4u
#define APB2_DIV 2u
#if defined(HARK_PART_F446)
#define VOS_BITS (3u << 14)
#else
#define VOS_BITS (1u << 14)
#endif
#endif

static clock_state_t state;

static int wait_set(volatile uint32_t *reg, uint32_t mask, uint32_t want) {
  for (uint32_t i = 0; i < READY_POLLS; i++) {
    if ((*reg & mask) == want) return 1;
  }
  return 0;
}

static const clock_state_t *on_hsi(const char *why) {
  /* Back to a known state: HSI selected, PLL and HSE off (a half-started PLL draws current). */
  RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_SW_MASK) | RCC_CFGR_SW_HSI;
  RCC_CR &= ~(RCC_CR_PLLON | RCC_CR_HSEON);
  state = (clock_state_t){HSI_HZ, HSI_HZ, HSI_HZ, why};
  return &state;
}

const clock_state_t *clock_init(void) {
  /* The core runs on HSI out of reset: nothing to wait for before the HSE. */
  if (HARK_HSE_HZ == 0u) return on_hsi("HSI 16 MHz (board has no HSE)");
  RCC_CR |= RCC_CR_HSEON | (HARK_HSE_BYPASS ? RCC_CR_HSEBYP : 0u);
  if (!wait_set(&RCC_CR, RCC_CR_HSERDY, RCC_CR_HSERDY)) return on_hsi("HSI 16 MHz: HSE not ready (timeout)");

  RCC_APB1ENR |= RCC_APB1ENR_PWREN;
  PWR_CR |= VOS_BITS;
  /* VCO input 1 MHz (M = HSE in MHz), VCO = 2 x SYSCLK, P = /2, Q = VCO / 48 MHz for USB. */
  const uint32_t m = HARK_HSE_HZ / 1000000u;
  const uint32_t n = 2u * (HARK_SYSCLK_HZ / 1000000u);
  const uint32_t q = (n + 47u) / 48u;
  RCC_PLLCFGR = m | (n << 6) | (0u << 16) | RCC_PLLCFGR_SRC_HSE | (q << 24);
  RCC_CR |= RCC_CR_PLLON;
  if (!wait_set(&RCC_CR, RCC_CR_PLLRDY, RCC_CR_PLLRDY)) return on_hsi("HSI 16 MHz: PLL did not lock (timeout)");

  FLASH_ACR = FLASH_LATENCY | FLASH_ACR_PRFTEN | FLASH_ACR_ICEN | FLASH_ACR_DCEN;
  if ((FLASH_ACR & 0xFu) != FLASH_LATENCY) return on_hsi("HSI 16 MHz: flash wait states not accepted");
  RCC_CFGR = (RCC_CFGR & ~(RCC_CFGR_SW_MASK | (7u << 10) | (7u << 13) | (0xFu << 4))) | PPRE1 | PPRE2 |
             RCC_CFGR_SW_PLL;
  if (!wait_set(&RCC_CFGR, 3u << 2, RCC_CFGR_SW_PLL << 2)) return on_hsi("HSI 16 MHz: switch to PLL timed out");
  state = (clock_state_t){HARK_SYSCLK_HZ, HARK_SYSCLK_HZ / APB1_DIV, HARK_SYSCLK_HZ / APB2_DIV, HARK_CLOCK_TEXT};
  return &state;
}

/* The STM32F4 clock tree: PLL from the board's HSE, with every wait bounded. */
#ifndef HARK_STM32F4_CLOCK_H
#define HARK_STM32F4_CLOCK_H

#include <stdint.h>

typedef struct {
  uint32_t sysclk_hz; /* the core clock in use */
  uint32_t apb1_hz;   /* peripheral clocks, for baud rates */
  uint32_t apb2_hz;
  const char *text;   /* what came up, or which step timed out and what the core runs on instead */
} clock_state_t;

/* Brings up HSE -> PLL -> SYSCLK as the variant asks (HARK_HSE_HZ, HARK_SYSCLK_HZ). A step that does
 * not complete within its poll budget leaves the core on the 16 MHz HSI and says so: it never hangs
 * (QEMU models no RCC, so under emulation every ready bit reads 0 and the HSI fallback is taken). */
const clock_state_t *clock_init(void);

#endif

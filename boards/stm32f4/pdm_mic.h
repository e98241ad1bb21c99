/* The STM32F4-Discovery's MP45DT02 PDM microphone: I2S2 as master receiver clocks it at 1.024 MHz (PB10
 * clock, PC3 data), DMA1 stream 3 fills two 20 ms halves of a circular buffer, and firmware/pdm decimates
 * a finished half to 320 samples of 16 kHz int16 when the app reads it. Compile-checked; not yet run on a
 * board (docs/boards/stm32f4-discovery.md). */
#ifndef HARK_STM32F4_PDM_MIC_H
#define HARK_STM32F4_PDM_MIC_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"

/* Starts the I2S clock (PLLI2S, bounded wait), the DMA and the microphone; 0, or -1 if PLLI2S did not
 * lock or the core clock is not the one the I2S dividers assume. */
int pdm_mic_start(const clock_state_t *clk);
int pdm_mic_ready(void);
int32_t pdm_mic_read(int16_t *samples, size_t n);
uint32_t pdm_mic_overruns(void);

#endif

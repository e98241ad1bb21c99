/* The board's MP34DT01 microphone through DFSDM1 (compile-checked; docs/boards/b-l475e-iot01a.md). */
#ifndef HARK_L475_MIC_H
#define HARK_L475_MIC_H

#include <stddef.h>
#include <stdint.h>

int mic_start(uint32_t sysclk_hz);
int mic_ready(void);
int32_t mic_read(int16_t *samples, size_t n);
uint32_t mic_overruns(void);

#endif

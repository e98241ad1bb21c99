/* The microphone path: with a microphone, the board listens from boot. Blocks come from
 * board_audio_read (double-buffered DMA blocks on hardware, a WAV file under emulation) and go through
 * the same hops as serial audio. AUDIO_START switches to serial audio, as a host test does; the
 * parameter audio.source switches back (1) or away (0). Microphone overruns are counted and reported. */
#ifndef HARK_APP_AUDIO_IN_H
#define HARK_APP_AUDIO_IN_H

#include <stdint.h>

/* Samples one read takes from the microphone (one 20 ms hop at 16 kHz). */
#define AUDIO_IN_BLOCK_SAMPLES 320u

/* At boot: listens if the board has a microphone. */
void audio_in_init(void);
/* 1 while the microphone feeds the pipeline. */
int audio_in_active(void);
/* Starts (1) or stops (0) listening; HARK_ERR_NOT_AVAILABLE without a microphone. */
int audio_in_set(uint32_t on);
/* Reads the next microphone block into buf (AUDIO_IN_BLOCK_SAMPLES); the sample count, 0 if none is ready. */
uint32_t audio_in_read(int16_t *buf);
/* Microphone blocks lost since the last call (the board's overrun count, as a difference). */
uint32_t audio_in_new_overruns(void);

#endif

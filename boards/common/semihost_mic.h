/* The semihosting microphone of the emulated boards: a WAV file on the host, named on QEMU's
 * semihosting command line ("... --mic PATH"), read as the board's 16 kHz microphone at full speed
 * (as fast as the app takes the blocks), so CI exercises the microphone path without a UART. */
#ifndef HARK_SEMIHOST_MIC_H
#define HARK_SEMIHOST_MIC_H

#include <stddef.h>
#include <stdint.h>

/* Opens the named WAV, if any. 1: a microphone is present; 0: none was named, or the file is not a
 * 16 kHz mono 16-bit PCM WAV (the reason goes to the debug console). */
int semihost_mic_open(void);
/* board_audio_read's contract: up to n samples, 0 once the file has ended, -1 without a microphone. */
int32_t semihost_mic_read(int16_t *samples, size_t n);

#endif

/* PDM -> PCM decimation in fixed point: a 1.024 MHz one-bit PDM stream (a MEMS microphone's, e.g. the
 * MP45DT02 on I2S2 of the STM32F4-Discovery) to 16 kHz int16, by 64 in two stages:
 *
 *   1. CIC (sinc^4, decimation 16) to 64 kHz, computed as its 61-tap FIR kernel over the last 64 bits
 *      with byte lookup tables (pdm_tables.h): 8 table reads and adds per 64 kHz sample, exact integers
 *      (|y| <= 16^4 = 65536);
 *   2. FIR (PDM_FIR_TAPS symmetric taps in Q15, decimation 4) to 16 kHz: flat to 7.2 kHz, stopband from
 *      8.8 kHz (so nothing aliases below 7.2 kHz), and it undoes the CIC's droop; int32 x int16 products
 *      into an int64 accumulator, rounded and saturated to int16.
 *
 * The host model (host/hark/features/pdm.py) does the same arithmetic in numpy, and the tests hold the two
 * bit-exact; docs/boards/pdm.md has the frequency response and the instruction cost per 20 ms hop.
 * Input: 16-bit words in time order, the earliest bit in the MSB (as I2S shifts them in); bit 1 = +1,
 * bit 0 = -1. No heap; the state is the caller's.
 */
#ifndef HARK_PDM_H
#define HARK_PDM_H

#include <stddef.h>
#include <stdint.h>

#define PDM_DECIMATION 64u      /* PDM bits per output sample */
#define PDM_WORD_BITS 16u       /* one input word: one 64 kHz CIC output */
#define PDM_FIR_DECIMATION 4u
#define PDM_WORDS_PER_SAMPLE (PDM_DECIMATION / PDM_WORD_BITS)
#define PDM_FIR_TAPS 128u
#define PDM_MAX_GAIN_LOG2 8

typedef struct {
  uint16_t words[3];               /* the previous three input words (the CIC window's older 48 bits) */
  int32_t cic[2 * PDM_FIR_TAPS];   /* 64 kHz samples, written twice so a window is always contiguous */
  uint32_t pos;                    /* next write index in 0..PDM_FIR_TAPS-1 */
  uint32_t phase;                  /* 64 kHz samples since the last output, 0..3 */
  uint32_t shift;                  /* output = accumulator >> shift (16 - gain_log2) */
} pdm_t;

/* Starts a stream: the window holds silence (alternating bits), output gain 2^gain_log2 (0..8: a PDM
 * full scale maps to int16 full scale at gain 0; microphones are quiet, so boards add gain).
 * Returns 0, or -1 for a gain out of range. */
int pdm_init(pdm_t *p, int32_t gain_log2);
/* Decimates n_words input words into at most `cap` samples (n_words / 4 of them, the phase carried
 * over between calls); returns the number written. Stops early, never overruns, if cap is short. */
size_t pdm_process(pdm_t *p, const uint16_t *words, size_t n_words, int16_t *out, size_t cap);

/* The hardware-decimated path (the STM32L4's DFSDM sinc filter does stage 1 and the decimation in
 * hardware): its 24-bit results (as the filter's data register holds them, in bits 31:8) scaled by
 * 2^scale_log2 (negative: right shift, arithmetic) and passed through a DC blocker
 * y[n] = x[n] - x[n-1] + (pole / 2^15) y[n-1], kept in Q15; rounded towards minus infinity and saturated
 * to int16. bit-exact against hark.features.pdm.dc_block. */
typedef struct {
  int32_t x1;     /* previous scaled input */
  int32_t y1;     /* previous output, Q15 */
  int32_t pole;   /* Q15, e.g. 32604 = 0.995 */
  int32_t scale_log2;
} pdm_dc_t;

void pdm_dc_init(pdm_dc_t *d, int32_t pole_q15, int32_t scale_log2);
void pdm_dc_block(pdm_dc_t *d, const int32_t *rdatar, size_t n, int16_t *out);

/* The tables, for tests: the CIC lookup (window byte m, oldest first) and the FIR taps. */
extern const int16_t pdm_cic_lut[8][256];
extern const int16_t pdm_fir_taps[PDM_FIR_TAPS];

#endif

#include "pdm.h"

#include <string.h>

int pdm_init(pdm_t *p, int32_t gain_log2) {
  if (!p || gain_log2 < 0 || gain_log2 > PDM_MAX_GAIN_LOG2) return -1;
  memset(p, 0, sizeof *p);
  for (unsigned i = 0; i < 3u; i++) p->words[i] = 0xAAAAu;
  p->shift = 16u - (uint32_t)gain_log2;
  return 0;
}

/* One 64 kHz sample: the CIC kernel over the 64-bit window (three older words and the new one). */
static inline int32_t cic_sample(const uint16_t w[3], uint16_t now) {
  return (int32_t)pdm_cic_lut[0][w[0] >> 8] + pdm_cic_lut[1][w[0] & 0xFFu] + pdm_cic_lut[2][w[1] >> 8] +
         pdm_cic_lut[3][w[1] & 0xFFu] + pdm_cic_lut[4][w[2] >> 8] + pdm_cic_lut[5][w[2] & 0xFFu] +
         pdm_cic_lut[6][now >> 8] + pdm_cic_lut[7][now & 0xFFu];
}

static inline int16_t fir_output(const pdm_t *p) {
  /* The last PDM_FIR_TAPS samples, oldest first, start at pos in the doubled buffer. */
  const int32_t *lo = &p->cic[p->pos];
  const int32_t *hi = lo + PDM_FIR_TAPS - 1u;
  const int16_t *tap = pdm_fir_taps;
  /* The taps are symmetric: one multiply per pair of samples (|a + b| <= 2^17, so the pair sum fits). */
  int64_t acc = 0;
  for (unsigned t = 0; t < PDM_FIR_TAPS / 2u; t += 2u) {
    acc += (int64_t)(lo[0] + hi[0]) * tap[0];
    acc += (int64_t)(lo[1] + hi[-1]) * tap[1];
    lo += 2;
    hi -= 2;
    tap += 2;
  }
  acc += (int64_t)1 << (p->shift - 1u);
  acc >>= p->shift;
  if (acc > INT16_MAX) return INT16_MAX;
  if (acc < INT16_MIN) return INT16_MIN;
  return (int16_t)acc;
}

size_t pdm_process(pdm_t *p, const uint16_t *words, size_t n_words, int16_t *out, size_t cap) {
  size_t n = 0;
  for (size_t i = 0; i < n_words; i++) {
    if (p->phase == PDM_FIR_DECIMATION - 1u && n == cap) break; /* the next word would need room */
    int32_t y = cic_sample(p->words, words[i]);
    p->words[0] = p->words[1];
    p->words[1] = p->words[2];
    p->words[2] = words[i];
    p->cic[p->pos] = y;
    p->cic[p->pos + PDM_FIR_TAPS] = y;
    p->pos = p->pos + 1u == PDM_FIR_TAPS ? 0u : p->pos + 1u;
    if (++p->phase == PDM_FIR_DECIMATION) {
      p->phase = 0;
      out[n++] = fir_output(p);
    }
  }
  return n;
}

void pdm_dc_init(pdm_dc_t *d, int32_t pole_q15, int32_t scale_log2) {
  *d = (pdm_dc_t){0, 0, pole_q15, scale_log2};
}

void pdm_dc_block(pdm_dc_t *d, const int32_t *rdatar, size_t n, int16_t *out) {
  for (size_t i = 0; i < n; i++) {
    int32_t x = rdatar[i] >> 8; /* the 24-bit signed result */
    x = d->scale_log2 >= 0 ? x * (1 << d->scale_log2) : x >> -d->scale_log2;
    /* 64-bit: a full-scale step times 2^15 would overflow 32 bits. */
    int64_t y = (int64_t)(x - d->x1) * 32768 + (((int64_t)d->pole * d->y1) >> 15);
    if (y > INT32_MAX) y = INT32_MAX;
    if (y < INT32_MIN) y = INT32_MIN;
    d->x1 = x;
    d->y1 = (int32_t)y;
    /* floor(y / 2^15) without shifting a negative value: y + 2^31 is in [0, 2^32), 2^31 / 2^15 = 2^16. */
    int32_t v = (int32_t)(((y + ((int64_t)1 << 31)) >> 15) - ((int64_t)1 << 16));
    out[i] = (int16_t)(v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : v);
  }
}

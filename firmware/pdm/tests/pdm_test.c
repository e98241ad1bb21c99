/* pdm: full-scale and silent streams, gain and saturation, the phase carried across calls, and a short
 * output buffer. The bit-exact comparison with the numpy model is tests/test_pdm.py. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdm.h"

static int failures;
#define CHECK(cond)                                                  \
  do {                                                               \
    if (!(cond)) {                                                   \
      fprintf(stderr, "%s:%d: CHECK(%s)\n", __FILE__, __LINE__, #cond); \
      failures++;                                                    \
    }                                                                \
  } while (0)

static uint16_t words[4096];
static int16_t out[1024], out2[1024];
static pdm_t pdm;

int main(void) {
  CHECK(pdm_init(&pdm, -1) == -1 && pdm_init(&pdm, PDM_MAX_GAIN_LOG2 + 1) == -1);

  /* All ones: +full scale once the filters have filled (saturated to INT16_MAX at gain 0). */
  for (size_t i = 0; i < 4096; i++) words[i] = 0xFFFFu;
  CHECK(pdm_init(&pdm, 0) == 0);
  CHECK(pdm_process(&pdm, words, 4096, out, 1024) == 1024);
  CHECK(out[1023] == INT16_MAX);
  /* All zeros: -full scale. */
  memset(words, 0, sizeof words);
  pdm_init(&pdm, 0);
  pdm_process(&pdm, words, 4096, out, 1024);
  CHECK(out[1023] == -32768);
  /* Alternating bits: silence, at any gain. */
  for (size_t i = 0; i < 4096; i++) words[i] = 0xAAAAu;
  pdm_init(&pdm, PDM_MAX_GAIN_LOG2);
  pdm_process(&pdm, words, 4096, out, 1024);
  for (size_t i = 0; i < 1024; i++) CHECK(out[i] == 0);

  /* Random bits: any split of the input gives the same samples as one call. */
  srand(7);
  for (size_t i = 0; i < 4096; i++) words[i] = (uint16_t)(rand() & 0xFFFF);
  pdm_init(&pdm, 3);
  size_t whole = pdm_process(&pdm, words, 4096, out, 1024);
  pdm_init(&pdm, 3);
  size_t got = 0, fed = 0;
  const size_t pieces[] = {1, 3, 5, 7, 333, 1000, 2747};
  for (size_t k = 0; k < sizeof pieces / sizeof pieces[0]; k++) {
    got += pdm_process(&pdm, words + fed, pieces[k], out2 + got, 1024 - got);
    fed += pieces[k];
  }
  CHECK(fed == 4096 && got == whole && memcmp(out, out2, whole * sizeof out[0]) == 0);

  /* A short output buffer: stops before the word that would need room, never writes past cap. */
  pdm_init(&pdm, 0);
  out2[5] = 12345;
  CHECK(pdm_process(&pdm, words, 4096, out2, 5) == 5);
  CHECK(out2[5] == 12345);

  if (failures) return 1;
  printf("pdm_test: ok\n");
  return 0;
}

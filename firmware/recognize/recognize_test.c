/* A hand-worked scenario: warm-up, first detection, suppression of a repeat, detection after the
 * suppression time, a label change, and the argument checks. */
#include <stdio.h>

#include "recognize.h"

static int failures;
#define CHECK(cond)                                                              \
  do {                                                                           \
    if (!(cond)) {                                                               \
      fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
      failures++;                                                                \
    }                                                                            \
  } while (0)

int main(void) {
  static uint32_t mem[256];
  hark_recognize_t r;
  hark_recognize_config_t cfg = {.average_window_ms = 100,
                                 .detection_threshold = 150,
                                 .suppression_ms = 200,
                                 .minimum_count = 3,
                                 .score_zero_point = -128,
                                 .silence_label = 0};
  uint16_t cap = hark_recognize_history_for(100, 20);
  CHECK(cap == 7);
  CHECK(hark_recognize_init(&r, &cfg, 3, cap, mem, 10) == HARK_RECOGNIZE_EMEM);
  CHECK(hark_recognize_init(&r, &cfg, 3, cap, (uint8_t *)mem + 1, sizeof mem) == HARK_RECOGNIZE_EARG);
  CHECK(hark_recognize_init(&r, &cfg, 3, cap, mem, sizeof mem) == HARK_RECOGNIZE_OK);

  const int8_t yes[3] = {-128, -100, 100}; /* zero-based: 0, 28, 228 */
  hark_recognize_result_t out;
  int detections[20] = {0};
  for (int hop = 0; hop < 20; hop++) {
    CHECK(hark_recognize_process_i8(&r, yes, hop * 20, &out) == HARK_RECOGNIZE_OK);
    if (hop < 2) CHECK(out.label == 0 && out.score == 0 && !out.is_new); /* fewer than minimum_count */
    if (hop >= 2) CHECK(out.label == 2 && out.score == 228);
    detections[hop] = out.is_new;
  }
  /* first at 40 ms; repeats suppressed until more than 200 ms later: 260 ms */
  for (int hop = 0; hop < 20; hop++) CHECK(detections[hop] == (hop == 2 || hop == 13));
  CHECK(r.evicted == 0);

  /* another label beats the threshold: reported at once, suppression applies per repeat only */
  const int8_t no[3] = {-128, 127, -128}; /* zero-based 0, 255, 0 */
  int first_no = -1;
  for (int hop = 20; hop < 30; hop++) {
    CHECK(hark_recognize_process_i8(&r, no, hop * 20, &out) == HARK_RECOGNIZE_OK);
    if (out.is_new && first_no < 0) first_no = hop;
  }
  /* the window holds the 6 hops with time >= t-100: label 1 averages (3*255 + 3*28)/6 = 141 at hop 22
   * and (4*255 + 2*28)/6 = 179 > 150 at hop 23, where label 2 has fallen to (2*228)/6 = 76 */
  CHECK(first_no == 23);

  CHECK(hark_recognize_process_i8(&r, no, 10, &out) == HARK_RECOGNIZE_EORDER);

  int32_t q;
  CHECK(hark_recognize_threshold(0.7f, 1.0f / 256.0f, &q) == 0 && q == 179);
  CHECK(hark_recognize_threshold(1.5f, 1.0f / 256.0f, &q) == HARK_RECOGNIZE_EARG);

  /* a history too small for the window evicts, and says so */
  CHECK(hark_recognize_init(&r, &cfg, 3, 2, mem, sizeof mem) == HARK_RECOGNIZE_OK);
  for (int hop = 0; hop < 5; hop++) hark_recognize_process_i8(&r, yes, hop * 20, &out);
  CHECK(r.evicted == 3);

  if (failures) return 1;
  printf("recognize_test: ok\n");
  return 0;
}

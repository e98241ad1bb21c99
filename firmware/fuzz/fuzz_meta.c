/* Harness: the `hark` metadata reader (firmware/modelmeta) on any bytes: open, every key of
 * docs/metadata.md under each type, arrays element by element, and the label list. */
#include <string.h>

#include "fuzz.h"
#include "modelmeta.h"

static const char *const keys[] = {
    "spec.name", "spec.hash", "labels", "features.scale", "stream.mode", "stream.frames_per_call",
    "stream.window_frames", "stream.every_hops", "stream.state_inputs", "stream.state_outputs",
    "recognition.average_window_ms", "recognition.detection_threshold", "recognition.suppression_ms",
    "recognition.minimum_count", "frontend.sample_rate", "frontend.num_channels", "frontend.lower_band_limit", "",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  hark_meta_t m;
  if (size > 0xFFFFFFFFu) return 0;
  if (hark_meta_open(&m, data, (uint32_t)size) != HARK_META_OK) return 0;
  volatile uint32_t sink = 0;
  for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
    int32_t i;
    float f;
    const char *s;
    uint32_t len;
    const uint8_t *raw;
    uint32_t count;
    if (hark_meta_i32(&m, keys[k], &i) == HARK_META_OK) sink += (uint32_t)i;
    if (hark_meta_f32(&m, keys[k], &f) == HARK_META_OK) sink += (uint32_t)(f == f);
    if (hark_meta_str(&m, keys[k], &s, &len) == HARK_META_OK) {
      if (len) sink += (uint8_t)s[0] + (uint8_t)s[len - 1u];
      const char *item;
      for (uint32_t j = 0; j < 300; j++) {
        int32_t n = hark_meta_list_item(s, len, j, &item);
        if (n < 0) break;
        if (n) sink += (uint8_t)item[n - 1];
      }
    }
    if (hark_meta_i32_array(&m, keys[k], &raw, &count) == HARK_META_OK)
      for (uint32_t j = 0; j < count; j++) sink += (uint32_t)hark_meta_array_at(raw, j);
  }
  (void)sink;
  (void)hark_meta_strerror(-9);
  return 0;
}

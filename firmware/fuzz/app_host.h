/* Running the real app (firmware/app, main() built as hark_app_main) on the host board over a byte
 * buffer, for the dispatcher harnesses and the app tests. */
#ifndef HARK_FUZZ_APP_HOST_H
#define HARK_FUZZ_APP_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "protocol.h"

/* Runs the app from a clean start over `in` (the serial bytes it receives) until it has consumed them.
 * Its output frames are decoded and checked (aborts on a malformed one); the callback sees each. */
typedef void (*app_frame_fn)(void *user, const hark_frame_t *frame);
void app_host_run(const uint8_t *in, size_t len, app_frame_fn on_frame, void *user);

/* A growing input stream of encoded frames (static storage; app_host_frame returns 0 when full). */
typedef struct {
  uint8_t *buf;
  size_t cap, len;
} app_stream_t;
int app_stream_frame(app_stream_t *s, uint8_t type, uint8_t seq, const uint8_t *payload, int32_t len);

#endif

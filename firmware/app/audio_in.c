#include "audio_in.h"

#include "board.h"
#include "protocol.h"

static int listening;
static uint32_t overruns_seen;

/* Boards without a microphone need not define the overrun count (e.g. a host-side board). */
__attribute__((weak)) uint32_t board_audio_overruns(void) { return 0u; }

void audio_in_init(void) {
  listening = board_info()->has_microphone != 0;
  overruns_seen = board_audio_overruns();
}

int audio_in_active(void) { return listening; }

int audio_in_set(uint32_t on) {
  if (on > 1u) return HARK_ERR_BAD_VALUE;
  if (on && !board_info()->has_microphone) return HARK_ERR_NOT_AVAILABLE;
  listening = (int)on;
  overruns_seen = board_audio_overruns(); /* what was lost while not listening is not this stream's */
  return 0;
}

uint32_t audio_in_read(int16_t *buf) {
  if (!listening) return 0u;
  int32_t n = board_audio_read(buf, AUDIO_IN_BLOCK_SAMPLES);
  return n > 0 ? (uint32_t)n : 0u;
}

uint32_t audio_in_new_overruns(void) {
  uint32_t total = board_audio_overruns();
  uint32_t fresh = total - overruns_seen;
  overruns_seen = total;
  return listening ? fresh : 0u;
}

#include "semihost_mic.h"

#include <string.h>

#include "board.h"
#include "semihosting.h"

#define MIC_OPTION "--mic "

static int32_t handle = -1;
static uint32_t samples_left;

static uint32_t le32(const uint8_t *p) { return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint32_t le16(const uint8_t *p) { return p[0] | (uint32_t)p[1] << 8; }

static int refuse(const char *why) {
  board_debug_write("hark: semihosting microphone: ");
  board_debug_write(why);
  board_debug_write("\n");
  if (handle >= 0) semihosting_close(handle);
  handle = -1;
  return 0;
}

/* Walks the RIFF chunks: a PCM fmt chunk (mono, 16 kHz, 16 bit) and then the data chunk. */
static int read_header(void) {
  uint8_t h[16];
  if (semihosting_read(handle, h, 12) != 12u || memcmp(h, "RIFF", 4) != 0 || memcmp(h + 8, "WAVE", 4) != 0) {
    return refuse("not a RIFF/WAVE file");
  }
  uint32_t pos = 12u;
  int have_fmt = 0;
  for (int chunk = 0; chunk < 64; chunk++) {
    if (semihosting_read(handle, h, 8) != 8u) return refuse("no data chunk");
    uint32_t size = le32(h + 4);
    pos += 8u;
    if (!memcmp(h, "fmt ", 4)) {
      if (size < 16u || semihosting_read(handle, h, 16) != 16u) return refuse("short fmt chunk");
      if (le16(h) != 1u || le16(h + 2) != 1u || le32(h + 4) != 16000u || le16(h + 14) != 16u) {
        return refuse("not 16 kHz mono 16-bit PCM");
      }
      have_fmt = 1;
    } else if (!memcmp(h, "data", 4)) {
      if (!have_fmt) return refuse("data chunk before the fmt chunk");
      samples_left = size / 2u;
      return 1;
    }
    pos += size + (size & 1u); /* chunks are padded to even sizes */
    if (semihosting_seek(handle, pos) != 0) return refuse("truncated chunk");
  }
  return refuse("too many chunks");
}

int semihost_mic_open(void) {
  static char cmdline[256];
  if (semihosting_cmdline(cmdline, sizeof cmdline) != 0) return 0;
  const char *path = strstr(cmdline, MIC_OPTION);
  if (!path) return 0;
  path += strlen(MIC_OPTION);
  handle = semihosting_open_read(path);
  if (handle < 0) return refuse("cannot open the file named by --mic");
  return read_header();
}

int32_t semihost_mic_read(int16_t *samples, size_t n) {
  if (handle < 0) return -1;
  if (n > samples_left) n = samples_left;
  if (n == 0) return 0;
  uint32_t got = semihosting_read(handle, samples, (uint32_t)(n * sizeof(int16_t))) / sizeof(int16_t);
  samples_left = got == n ? samples_left - (uint32_t)got : 0u; /* a short read ends the stream */
  return (int32_t)got;
}

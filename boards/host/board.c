#define _POSIX_C_SOURCE 200809L /* read(), write() */
/* A board for the host: the app's main loop, dispatcher, model store and pipeline run unchanged on a
 * PC, with the serial line on stdin/stdout or on buffers a harness provides. A test may give it a
 * microphone (samples from a buffer, with overruns injected); by default it has none. Its
 * model flash region is RAM with NOR flash rules (ram_flash.h), small sectors and 8-byte units like the
 * STM32L4's, so the app's flash path and its failures can be tested on the host.
 * Its counter ticks once per reading: deterministic, so a fuzzing input replays exactly, and not
 * timing, which is why it reports BOARD_COUNTER_INSTRUCTIONS (a count, not cycles). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "board.h"
#include "board_host.h"
#include "ram_flash.h"

static board_info_t info = {"host", "host", 1000000u, BOARD_COUNTER_INSTRUCTIONS, 0, NULL};
static struct {
  const int16_t *samples;
  size_t count, pos, blocks_read, lose_after;
  uint32_t lose, overruns;
} mic;

void host_board_set_microphone(const int16_t *samples, size_t count, size_t lose_after_blocks, uint32_t lose) {
  mic.samples = samples;
  mic.count = count;
  mic.lose_after = lose_after_blocks;
  mic.lose = lose;
  info.has_microphone = samples != NULL;
}
static const uint8_t *in_data;
static size_t in_len, in_pos;
static int in_set;
static void (*out_fn)(void *, const uint8_t *, size_t);
static void *out_user;
static void (*idle_fn)(void);
static uint32_t ticks;

void host_board_set_input(const uint8_t *data, size_t len) {
  in_data = data;
  in_len = len;
  in_pos = 0;
  in_set = 1;
}

void host_board_set_output(void (*write)(void *user, const uint8_t *data, size_t len), void *user) {
  out_fn = write;
  out_user = user;
}

void host_board_set_idle(void (*idle)(void)) { idle_fn = idle; }

static uint8_t flash_mem[HOST_FLASH_BYTES] __attribute__((aligned(16)));
static ram_flash_t flash = {
    .region = {flash_mem, sizeof flash_mem, 8u, "RAM standing in for flash (host board)"},
    .mem = flash_mem,
    .sector_size = HOST_FLASH_SECTOR_BYTES,
};

ram_flash_t *host_board_flash(void) { return &flash; }

void board_init(void) {
  ticks = 0;
  mic.pos = mic.blocks_read = 0;
  mic.overruns = 0;
  /* Every run starts from the same contents (a fuzzing input replays exactly), and not erased: an app
   * that programs without erasing first fails as it would on the part. */
  for (size_t i = 0; i < sizeof flash_mem; i++) flash_mem[i] = 0;
}

const board_model_flash_t *board_model_flash(void) { return &flash.region; }
board_flash_status_t board_model_flash_erase(uint32_t offset, uint32_t size) {
  return ram_flash_erase(&flash, offset, size);
}
board_flash_status_t board_model_flash_program(uint32_t offset, const uint8_t *data, uint32_t len) {
  return ram_flash_program(&flash, offset, data, len);
}
const board_info_t *board_info(void) { return &info; }
board_reset_cause_t board_reset_cause(void) { return BOARD_RESET_POWER_ON; }

static int stdin_done;

size_t board_serial_read(uint8_t *buf, size_t len) {
  if (in_set) {
    size_t n = in_len - in_pos < len ? in_len - in_pos : len;
    for (size_t i = 0; i < n; i++) buf[i] = in_data[in_pos + i];
    in_pos += n;
    return n;
  }
  if (stdin_done) return 0;
  ssize_t n = read(0, buf, len);
  if (n <= 0) {
    stdin_done = 1;
    return 0;
  }
  return (size_t)n;
}

void board_serial_write(const uint8_t *buf, size_t len) {
  if (out_fn) {
    out_fn(out_user, buf, len);
    return;
  }
  while (len) {
    ssize_t n = write(1, buf, len);
    if (n <= 0) exit(1); /* the host end closed the line */
    buf += n;
    len -= (size_t)n;
  }
}

uint32_t board_serial_rx_overruns(void) { return 0; } /* a pipe or buffer never drops bytes */

void board_wait_for_event(void) {
  int exhausted = in_set ? in_pos >= in_len : stdin_done;
  if (!exhausted) return;
  if (idle_fn) idle_fn();
  exit(0);
}

uint32_t board_counter(void) { return ++ticks; }
uint32_t board_counter_elapsed(uint32_t start, uint32_t end) { return end - start; }

int32_t board_audio_read(int16_t *samples, size_t n) {
  if (!mic.samples) return -1;
  size_t take = mic.count - mic.pos < n ? mic.count - mic.pos : n;
  for (size_t i = 0; i < take; i++) samples[i] = mic.samples[mic.pos + i];
  mic.pos += take;
  /* Blocks the "DMA" overwrote before the app came back for them, as a slow app would lose them. */
  if (take && ++mic.blocks_read == mic.lose_after) mic.overruns += mic.lose;
  return (int32_t)take;
}

uint32_t board_audio_overruns(void) { return mic.overruns; }

size_t board_stack_size(void) { return 0; }
size_t board_stack_peak(void) { return 0; }
size_t board_flash_used(void) { return 0; }
size_t board_static_ram_used(void) { return 0; }

void board_exit(int code) { exit(code); }
void board_debug_write(const char *text) { fputs(text, stderr); }

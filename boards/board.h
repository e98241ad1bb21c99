/* The one interface every board implements. Firmware modules never touch hardware directly. */
#ifndef HARK_BOARD_H
#define HARK_BOARD_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
  BOARD_COUNTER_CYCLES = 0,       /* a real core clock counter (DWT CYCCNT) */
  BOARD_COUNTER_INSTRUCTIONS = 1, /* an emulator's instruction count: not timing */
} board_counter_kind_t;

typedef enum {
  BOARD_RESET_POWER_ON = 0,
  BOARD_RESET_PIN = 1,
  BOARD_RESET_WATCHDOG = 2,
  BOARD_RESET_SOFTWARE = 3,
  BOARD_RESET_UNKNOWN = 4,
} board_reset_cause_t;

typedef struct {
  const char *name;         /* e.g. "mps2-an386" */
  const char *cpu;          /* e.g. "cortex-m4f" */
  uint32_t clock_hz;        /* nominal core clock, for converting cycles to time */
  board_counter_kind_t counter_kind;
  int has_microphone;
  const char *clock;        /* the clock in use and how it came up, e.g. "PLL 168 MHz from HSE 8 MHz" or
                               "HSI 16 MHz: HSE not ready" (a start-up failure is reported, never hung on) */
} board_info_t;

void board_init(void);
const board_info_t *board_info(void);
board_reset_cause_t board_reset_cause(void);

/* Serial: reads never block and return what has arrived (0 if nothing); writes block until queued. */
size_t board_serial_read(uint8_t *buf, size_t len);
void board_serial_write(const uint8_t *buf, size_t len);
/* Counts bytes dropped because the receive buffer was full: overruns are reported, never silent. */
uint32_t board_serial_rx_overruns(void);

/* Sleeps until an interrupt (serial byte, audio block) may have made work available. */
void board_wait_for_event(void);

/* A free-running 32-bit counter and the conversion of a wrapped difference into counter units
 * (cycles or instructions, see board_info()->counter_kind). */
uint32_t board_counter(void);
uint32_t board_counter_elapsed(uint32_t start, uint32_t end);

/* Microphone: fills up to n samples of 16 kHz int16 audio from the next ready block (double-buffered
 * DMA or interrupt blocks on hardware, a WAV file under emulation); returns the count, 0 if none is
 * ready yet, or -1 if the board has no microphone. */
int32_t board_audio_read(int16_t *samples, size_t n);
/* Microphone blocks overwritten before the app read them, since reset: overruns are never silent. */
uint32_t board_audio_overruns(void);

/* A flash region an uploaded model can be written to and run from in place, so that models larger than
 * the RAM upload buffer (or free RAM) can be profiled. NOR semantics on every board: a sector must be
 * erased (all 0xFF) before it is programmed, and programming a unit that is not erased fails. Emulated
 * boards, whose flash controller QEMU does not model, back it with RAM that enforces the same rules
 * (boards/common/ram_flash.h). Every wait on the controller is bounded: a stuck BSY is a timeout, never
 * a hang. The region is a scratch store: nothing reloads it at boot (the built-in model is the default). */
typedef enum {
  BOARD_FLASH_OK = 0,
  BOARD_FLASH_RANGE = 1,      /* outside the region, or not a multiple of the program unit */
  BOARD_FLASH_TIMEOUT = 2,    /* the controller stayed busy past its bound */
  BOARD_FLASH_FAILED = 3,     /* the controller reported an error (protection, alignment, sequence) */
  BOARD_FLASH_NOT_ERASED = 4, /* a unit to program was not erased first */
  BOARD_FLASH_VERIFY = 5,     /* the bytes read back differ from those programmed */
} board_flash_status_t;

typedef struct {
  const uint8_t *base;   /* memory-mapped, 16-byte aligned: a model runs where it was programmed */
  uint32_t size;
  uint32_t program_unit; /* offsets and lengths of board_model_flash_program are multiples of it */
  const char *kind;      /* e.g. "STM32F4 flash sectors 10-11", "RAM standing in for flash (emulated)" */
} board_model_flash_t;

/* The board's model flash region, or NULL if it has none (then the functions below return RANGE). */
const board_model_flash_t *board_model_flash(void);
/* Erases every sector (page) that overlaps [offset, offset + size) of the region. */
board_flash_status_t board_model_flash_erase(uint32_t offset, uint32_t size);
/* Programs erased units of the region and reads them back. */
board_flash_status_t board_model_flash_program(uint32_t offset, const uint8_t *data, uint32_t len);

/* Memory the image uses, from linker symbols and stack painting, so the device can report it. */
size_t board_stack_size(void);
size_t board_stack_peak(void); /* high-water mark since reset */
size_t board_flash_used(void);
size_t board_static_ram_used(void); /* .data + .bss */

/* Ends a test image: under emulation the exit code reaches the host; on hardware it halts. */
void board_exit(int code);
/* Writes a line to the debug console (semihosting under emulation). */
void board_debug_write(const char *text);

#endif

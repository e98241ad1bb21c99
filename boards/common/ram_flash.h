/* RAM that behaves like NOR flash: the model flash region of boards whose flash controller the emulator
 * does not model (mps2-an386 has none; QEMU's netduinoplus2 reads 0 from it and ignores writes) and of
 * the host board. It enforces what real flash enforces, so the app's flash path is tested against the
 * same rules: erase works on whole sectors and sets 0xFF; programming works on whole units, each of which
 * must be erased (a unit that is not all 0xFF fails with BOARD_FLASH_NOT_ERASED, as an STM32L4 refuses
 * it with PROGERR); every programmed unit is read back. */
#ifndef HARK_RAM_FLASH_H
#define HARK_RAM_FLASH_H

#include <stdint.h>

#include "board.h"

typedef struct ram_flash_t {
  board_model_flash_t region; /* base, size, program unit, kind */
  uint8_t *mem;               /* the same memory as region.base, writable */
  uint32_t sector_size;       /* erase granularity; divides region.size */
  /* Fault injection for host tests: when > 0, the fail_after-th program call from now fails with
   * fail_status after programming half its units (a write cut short mid-chunk). */
  uint32_t fail_after;
  board_flash_status_t fail_status;
} ram_flash_t;

board_flash_status_t ram_flash_erase(ram_flash_t *f, uint32_t offset, uint32_t size);
board_flash_status_t ram_flash_program(ram_flash_t *f, uint32_t offset, const uint8_t *data, uint32_t len);

#endif

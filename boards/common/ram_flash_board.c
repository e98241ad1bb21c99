/* The model flash region of an emulated board (QEMU models no flash controller here): RAM between the
 * linker symbols __model_flash_start and __model_flash_end, kept by the linker script apart from every
 * other section, with NOR flash rules (ram_flash.h). The board's build sets the sector size and program
 * unit of the part it stands in for. It starts zeroed, i.e. not erased, as flash holding old data would. */
#include "board.h"
#include "ram_flash.h"

#ifndef HARK_RAM_FLASH_SECTOR_BYTES
#error "HARK_RAM_FLASH_SECTOR_BYTES must be set by the board's build"
#endif
#ifndef HARK_RAM_FLASH_UNIT_BYTES
#error "HARK_RAM_FLASH_UNIT_BYTES must be set by the board's build"
#endif

extern uint8_t __model_flash_start[], __model_flash_end[];

static ram_flash_t flash;

const board_model_flash_t *board_model_flash(void) {
  if (!flash.mem) {
    flash.mem = __model_flash_start;
    flash.sector_size = HARK_RAM_FLASH_SECTOR_BYTES;
    uint32_t size = (uint32_t)((uintptr_t)__model_flash_end - (uintptr_t)__model_flash_start);
    flash.region = (board_model_flash_t){__model_flash_start, size, HARK_RAM_FLASH_UNIT_BYTES,
                                         "RAM standing in for flash (emulated)"};
  }
  return &flash.region;
}

board_flash_status_t board_model_flash_erase(uint32_t offset, uint32_t size) {
  board_model_flash();
  return ram_flash_erase(&flash, offset, size);
}

board_flash_status_t board_model_flash_program(uint32_t offset, const uint8_t *data, uint32_t len) {
  board_model_flash();
  return ram_flash_program(&flash, offset, data, len);
}

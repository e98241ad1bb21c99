/* The model flash region of the STM32F4 parts (boards/board.h): the last two 128 KB sectors, placed by
 * the part's linker script (MODEL_FLASH). Register level, per RM0090/RM0390: unlock with the key
 * sequence, erase whole sectors (SER + SNB + STRT), program 32-bit words (PG, PSIZE x32), each wait on
 * BSY bounded (stm32_flash.h), then relock, reset the caches and read back. QEMU's netduinoplus2 does not
 * model the flash interface, so the emulated variant uses boards/common/ram_flash_board.c instead and
 * this driver is compile-checked only (docs/boards/). */
#include "board.h"
#include "stm32_flash.h"
#include "stm32f4.h"

#define FLASH_BASE_ADDR 0x08000000u
/* Datasheet maxima at x32: 2 s to erase a 128 KB sector, 100 us to program a word; doubled. */
#define ERASE_SECTOR_MS 4000u
#define PROGRAM_WORD_MS 1u

static const stm32_flash_t regs = {&FLASH_ACR, &FLASH_KEYR, &FLASH_SR, &FLASH_CR, FLASH_SR_ERRORS};

const board_model_flash_t *board_model_flash(void) {
  return stm32_flash_region(4u, "STM32F4 flash, the last two 128 KB sectors");
}

/* Sectors of the single-bank F4 map: 4 x 16 KB, 1 x 64 KB, then 128 KB each. */
static uint32_t sector_of(uint32_t addr) {
  uint32_t off = addr - FLASH_BASE_ADDR;
  if (off < 0x10000u) return off / 0x4000u;
  if (off < 0x20000u) return 4u;
  return 5u + (off - 0x20000u) / 0x20000u;
}

board_flash_status_t board_model_flash_erase(uint32_t offset, uint32_t size) {
  board_flash_status_t s = stm32_flash_check(board_model_flash(), offset, size, 1u, 0);
  if (s != BOARD_FLASH_OK) return s;
  uint32_t base = (uint32_t)(uintptr_t)board_model_flash()->base;
  uint32_t first = sector_of(base + offset), last = sector_of(base + offset + size - 1u);
  s = stm32_flash_unlock(&regs);
  if (s == BOARD_FLASH_OK) s = stm32_flash_wait(&regs, PROGRAM_WORD_MS); /* nothing left running */
  for (uint32_t sector = first; s == BOARD_FLASH_OK && sector <= last; sector++) {
    FLASH_CR = FLASH_CR_SER | FLASH_CR_SNB(sector) | FLASH_CR_PSIZE_X32;
    FLASH_CR |= FLASH_CR_STRT;
    s = stm32_flash_wait(&regs, ERASE_SECTOR_MS);
  }
  return stm32_flash_finish(&regs, s, NULL, NULL, 0u);
}

board_flash_status_t board_model_flash_program(uint32_t offset, const uint8_t *data, uint32_t len) {
  return stm32_flash_program(&regs, FLASH_CR_PG | FLASH_CR_PSIZE_X32, 4u, PROGRAM_WORD_MS, offset, data, len);
}

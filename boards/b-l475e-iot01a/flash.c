/* The model flash region of the STM32L475VG (boards/board.h): the last 256 KB of bank 2, placed by the
 * linker script (MODEL_FLASH). Register level, per RM0351: unlock with the key sequence, erase 2 KB pages
 * (PER + PNB + BKER + STRT), program 64-bit double words (PG, two word writes, the second starting the
 * operation; the part refuses a double word that is not erased with PROGERR), each wait on BSY bounded
 * (stm32_flash.h), then relock, reset the caches and read back. No emulator models this part: compiled
 * only (docs/boards/b-l475e-iot01a.md). */
#include "board.h"
#include "stm32_flash.h"
#include "stm32l475.h"

#define FLASH_BASE_ADDR 0x08000000u
#define BANK_BYTES 0x80000u
#define PAGE_BYTES 2048u
/* Datasheet maxima: 24.5 ms to erase a page, 90.8 us to program a double word; doubled and rounded up. */
#define ERASE_PAGE_MS 50u
#define PROGRAM_DWORD_MS 1u

static const stm32_flash_t regs = {&FLASH_ACR, &FLASH_KEYR, &FLASH_SR, &FLASH_CR, FLASH_SR_ERRORS};

const board_model_flash_t *board_model_flash(void) {
  return stm32_flash_region(8u, "STM32L4 flash, the last 256 KB of bank 2");
}

board_flash_status_t board_model_flash_erase(uint32_t offset, uint32_t size) {
  board_flash_status_t s = stm32_flash_check(board_model_flash(), offset, size, 1u, 0);
  if (s != BOARD_FLASH_OK) return s;
  uint32_t start = (uint32_t)(uintptr_t)board_model_flash()->base + offset - FLASH_BASE_ADDR;
  uint32_t first = start / PAGE_BYTES, last = (start + size - 1u) / PAGE_BYTES;
  /* With the banks swapped (FB_MODE, booting from bank 2) the address map's second half is bank 1; SYSCFG
   * reads 0 until its clock is on, which would hide the swap and aim the erase at the running image. */
  RCC_APB2ENR |= RCC_APB2ENR_SYSCFGEN;
  (void)RCC_APB2ENR;
  uint32_t swapped = (SYSCFG_MEMRMP & SYSCFG_MEMRMP_FB_MODE) ? 1u : 0u;
  s = stm32_flash_unlock(&regs);
  if (s == BOARD_FLASH_OK) s = stm32_flash_wait(&regs, PROGRAM_DWORD_MS);
  for (uint32_t page = first; s == BOARD_FLASH_OK && page <= last; page++) {
    uint32_t bank2 = (page * PAGE_BYTES / BANK_BYTES) ^ swapped;
    FLASH_CR = FLASH_CR_PER | FLASH_CR_PNB(page % (BANK_BYTES / PAGE_BYTES)) | (bank2 ? FLASH_CR_BKER : 0u);
    FLASH_CR |= FLASH_CR_STRT;
    s = stm32_flash_wait(&regs, ERASE_PAGE_MS);
  }
  return stm32_flash_finish(&regs, s, NULL, NULL, 0u);
}

board_flash_status_t board_model_flash_program(uint32_t offset, const uint8_t *data, uint32_t len) {
  return stm32_flash_program(&regs, FLASH_CR_PG, 8u, PROGRAM_DWORD_MS, offset, data, len);
}

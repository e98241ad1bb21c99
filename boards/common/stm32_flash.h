/* What the STM32F4 and STM32L4 flash controllers share: unlock keys, a BSY bit (16), write-1-to-clear
 * error flags in SR, a LOCK bit (31) in CR and instruction/data caches to reset in ACR. The families
 * differ in register offsets, sector/page maps and program width, so each has its own driver
 * (boards/stm32f4/flash.c, boards/b-l475e-iot01a/flash.c) on top of these helpers. Every wait is
 * bounded by an iteration count derived from the core clock in use: a controller that stays busy is a
 * BOARD_FLASH_TIMEOUT, never a hang. */
#ifndef HARK_STM32_FLASH_H
#define HARK_STM32_FLASH_H

#include <stdint.h>

#include "board.h"

typedef struct {
  volatile uint32_t *acr, *keyr, *sr, *cr;
  uint32_t sr_errors; /* the family's error flags */
} stm32_flash_t;

/* The region between the linker script's __model_flash_start and __model_flash_end. */
const board_model_flash_t *stm32_flash_region(uint32_t program_unit, const char *kind);
/* Unlocks CR with the key sequence; FAILED if it stays locked (a wrong sequence locks it until reset). */
board_flash_status_t stm32_flash_unlock(const stm32_flash_t *f);
void stm32_flash_lock(const stm32_flash_t *f);
/* Waits for BSY to clear for about `ms` milliseconds at the clock in use (at least that long), then checks
 * and clears the error flags: OK, TIMEOUT or FAILED. */
board_flash_status_t stm32_flash_wait(const stm32_flash_t *f, uint32_t ms);
/* Resets the instruction and data caches, which may hold what the flash held before an erase or program. */
void stm32_flash_flush_caches(const stm32_flash_t *f);
/* RANGE unless [offset, offset + len) lies in the region, is not empty and is whole units; for a program,
 * NOT_ERASED unless every byte in it is erased (0xFF): NOR flash programs only erased units. */
board_flash_status_t stm32_flash_check(const board_model_flash_t *r, uint32_t offset, uint32_t len, uint32_t unit,
                                       int program);
/* Programs [offset, offset + len) of the region in units of `unit` bytes (4: one word, 8: a double word,
 * whose second word starts the operation) with CR = cr_program, waiting up to `ms` after each unit; then
 * finishes (below). */
board_flash_status_t stm32_flash_program(const stm32_flash_t *f, uint32_t cr_program, uint32_t unit, uint32_t ms,
                                         uint32_t offset, const uint8_t *data, uint32_t len);
/* Ends an erase or program that came to status s: clears CR, relocks, resets the caches, and, after a
 * program that succeeded, reads [dst, dst + len) back against data (VERIFY on a difference). */
board_flash_status_t stm32_flash_finish(const stm32_flash_t *f, board_flash_status_t s, const uint8_t *dst,
                                        const uint8_t *data, uint32_t len);

#endif

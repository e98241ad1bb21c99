#include "stm32_flash.h"

#include <string.h>

#define SR_BSY (1u << 16)
#define SR_EOP (1u << 0)
#define CR_LOCK (1u << 31)
#define KEY1 0x45670123u
#define KEY2 0xCDEF89ABu
#define ACR_ICEN (1u << 9)
#define ACR_DCEN (1u << 10)
#define ACR_ICRST (1u << 11)
#define ACR_DCRST (1u << 12)

extern uint8_t __model_flash_start[], __model_flash_end[];

const board_model_flash_t *stm32_flash_region(uint32_t program_unit, const char *kind) {
  static board_model_flash_t region;
  uint32_t size = (uint32_t)((uintptr_t)__model_flash_end - (uintptr_t)__model_flash_start);
  region = (board_model_flash_t){__model_flash_start, size, program_unit, kind};
  return &region;
}

board_flash_status_t stm32_flash_unlock(const stm32_flash_t *f) {
  if (*f->cr & CR_LOCK) {
    *f->keyr = KEY1;
    *f->keyr = KEY2;
  }
  return (*f->cr & CR_LOCK) ? BOARD_FLASH_FAILED : BOARD_FLASH_OK;
}

void stm32_flash_lock(const stm32_flash_t *f) { *f->cr |= CR_LOCK; }

board_flash_status_t stm32_flash_wait(const stm32_flash_t *f, uint32_t ms) {
  /* One iteration (a peripheral read, a test, a count, a branch) takes at least 4 cycles, so this
   * bound is at least `ms` at the clock the board reports (the fallback clock after a start-up failure). */
  uint64_t limit = (uint64_t)(board_info()->clock_hz / 1000u) * ms / 4u + 1u;
  for (uint64_t n = 0; *f->sr & SR_BSY; n++) {
    if (n >= limit) return BOARD_FLASH_TIMEOUT;
  }
  uint32_t errors = *f->sr & f->sr_errors;
  *f->sr = errors | SR_EOP;
  return errors ? BOARD_FLASH_FAILED : BOARD_FLASH_OK;
}

void stm32_flash_flush_caches(const stm32_flash_t *f) {
  uint32_t acr = *f->acr;
  *f->acr = acr & ~(ACR_ICEN | ACR_DCEN); /* a cache is reset only while it is disabled */
  *f->acr = (acr & ~(ACR_ICEN | ACR_DCEN)) | ACR_ICRST | ACR_DCRST;
  *f->acr = acr & ~(ACR_ICRST | ACR_DCRST);
}

board_flash_status_t stm32_flash_check(const board_model_flash_t *r, uint32_t offset, uint32_t len, uint32_t unit,
                                       int program) {
  if (offset > r->size || len > r->size - offset || len == 0 || offset % unit || len % unit) return BOARD_FLASH_RANGE;
  for (uint32_t i = 0; program && i < len; i++) {
    if (r->base[offset + i] != 0xFFu) return BOARD_FLASH_NOT_ERASED;
  }
  return BOARD_FLASH_OK;
}

board_flash_status_t stm32_flash_program(const stm32_flash_t *f, uint32_t cr_program, uint32_t unit, uint32_t ms,
                                         uint32_t offset, const uint8_t *data, uint32_t len) {
  const board_model_flash_t *r = board_model_flash();
  board_flash_status_t s = stm32_flash_check(r, offset, len, unit, 1);
  if (s != BOARD_FLASH_OK) return s;
  volatile uint32_t *dst = (volatile uint32_t *)(uintptr_t)(r->base + offset);
  s = stm32_flash_unlock(f);
  if (s == BOARD_FLASH_OK) s = stm32_flash_wait(f, ms); /* nothing left running */
  *f->cr = cr_program;
  for (uint32_t i = 0; s == BOARD_FLASH_OK && i < len / 4u;) {
    for (uint32_t k = 0; k < unit / 4u; k++, i++) {
      uint32_t word;
      memcpy(&word, data + 4u * i, 4u); /* chunk data need not be aligned */
      dst[i] = word;
    }
    s = stm32_flash_wait(f, ms);
  }
  return stm32_flash_finish(f, s, r->base + offset, data, len);
}

board_flash_status_t stm32_flash_finish(const stm32_flash_t *f, board_flash_status_t s, const uint8_t *dst,
                                        const uint8_t *data, uint32_t len) {
  *f->cr = 0u;
  stm32_flash_lock(f);
  stm32_flash_flush_caches(f);
  if (s == BOARD_FLASH_OK && data && memcmp(dst, data, len) != 0) s = BOARD_FLASH_VERIFY;
  return s;
}

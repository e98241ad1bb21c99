#include "ram_flash.h"

#include <string.h>

static int in_region(const ram_flash_t *f, uint32_t offset, uint32_t len) {
  return offset <= f->region.size && len <= f->region.size - offset;
}

board_flash_status_t ram_flash_erase(ram_flash_t *f, uint32_t offset, uint32_t size) {
  if (!in_region(f, offset, size) || size == 0) return BOARD_FLASH_RANGE;
  uint32_t first = offset / f->sector_size, last = (offset + size - 1u) / f->sector_size;
  memset(f->mem + first * f->sector_size, 0xFF, (last - first + 1u) * f->sector_size);
  return BOARD_FLASH_OK;
}

board_flash_status_t ram_flash_program(ram_flash_t *f, uint32_t offset, const uint8_t *data, uint32_t len) {
  const uint32_t unit = f->region.program_unit;
  if (!in_region(f, offset, len) || offset % unit || len % unit) return BOARD_FLASH_RANGE;
  uint32_t stop_at = len;
  if (f->fail_after && --f->fail_after == 0) stop_at = (len / unit / 2u) * unit;
  for (uint32_t i = 0; i < len; i += unit) {
    if (i == stop_at) return f->fail_status ? f->fail_status : BOARD_FLASH_FAILED;
    uint8_t *dst = f->mem + offset + i;
    for (uint32_t k = 0; k < unit; k++) {
      if (dst[k] != 0xFF) return BOARD_FLASH_NOT_ERASED;
    }
    memcpy(dst, data + i, unit);
    if (memcmp(dst, data + i, unit) != 0) return BOARD_FLASH_VERIFY;
  }
  return BOARD_FLASH_OK;
}

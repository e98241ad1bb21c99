#include "model_store.h"

#include <string.h>

#include "board.h"
#include "fmt.h"
#include "protocol.h"

#ifndef HARK_MODEL_UPLOAD_BYTES
#error "HARK_MODEL_UPLOAD_BYTES must be set by the build"
#endif

/* Flash programs whole units; a chunk's tail that does not fill one waits here for the next chunk. */
#define PENDING_MAX 16u

/* 16-byte aligned: flatbuffer tables and tensor data inside the model expect aligned access. */
static uint8_t store[HARK_MODEL_UPLOAD_BYTES] __attribute__((aligned(16)));
static model_store_status_t status;
static uint32_t running_crc;
static uint8_t in_progress;
static uint8_t next_target;
static uint8_t pending[PENDING_MAX];
static uint32_t pending_len; /* bytes in pending, which belong at offset programmed */
static uint32_t programmed;  /* bytes of the region programmed so far */
static char detail[80];

void model_store_init(void) {
  memset(&status, 0, sizeof status);
  in_progress = 0;
  next_target = MODEL_STORE_RAM;
  pending_len = programmed = 0;
  detail[0] = '\0';
}

uint32_t model_store_capacity(void) { return (uint32_t)sizeof store; }

static const board_model_flash_t *flash_region(void) {
  const board_model_flash_t *f = board_model_flash();
  /* A region the store cannot drive (a unit above its pending buffer) counts as none. */
  return f && f->size && f->program_unit && f->program_unit <= PENDING_MAX ? f : NULL;
}

uint32_t model_store_flash_capacity(void) { return flash_region() ? flash_region()->size : 0; }

int model_store_set_target(uint32_t target) {
  if (target > MODEL_STORE_FLASH) return HARK_ERR_BAD_VALUE;
  if (target == MODEL_STORE_FLASH && !flash_region()) return HARK_ERR_NOT_AVAILABLE;
  next_target = (uint8_t)target;
  return 0;
}

uint32_t model_store_target(void) { return next_target; }

void model_store_target_memory(const uint8_t **begin, uint32_t *size) {
  if (next_target == MODEL_STORE_FLASH) {
    *begin = flash_region()->base;
    *size = flash_region()->size;
  } else {
    *begin = store;
    *size = (uint32_t)sizeof store;
  }
}

const char *model_store_detail(void) { return detail; }

static const char *flash_text(board_flash_status_t s) {
  switch (s) {
    case BOARD_FLASH_RANGE: return "outside the region or misaligned";
    case BOARD_FLASH_TIMEOUT: return "timeout: the flash controller stayed busy";
    case BOARD_FLASH_FAILED: return "the flash controller reported an error";
    case BOARD_FLASH_NOT_ERASED: return "the flash was not erased";
    case BOARD_FLASH_VERIFY: return "the flash reads back other bytes";
    default: return "ok";
  }
}

/* Ends the upload on a flash failure, naming the operation, the offset and the cause. */
static int flash_failed(const char *what, uint32_t offset, board_flash_status_t s) {
  in_progress = 0;
  status.verified = 0;
  size_t p = fmt_str(detail, 0, sizeof detail, what);
  p = fmt_str(detail, p, sizeof detail, " at offset ");
  p = fmt_u32(detail, p, sizeof detail, offset);
  p = fmt_str(detail, p, sizeof detail, ": ");
  fmt_str(detail, p, sizeof detail, flash_text(s));
  return HARK_ERR_MODEL_FLASH;
}

static int program(const uint8_t *data, uint32_t len) {
  board_flash_status_t s = board_model_flash_program(programmed, data, len);
  if (s != BOARD_FLASH_OK) return flash_failed("program", programmed, s);
  programmed += len;
  return 0;
}

int model_store_begin(uint32_t size, uint32_t crc32) {
  memset(&status, 0, sizeof status);
  detail[0] = '\0';
  in_progress = 0;
  pending_len = programmed = 0;
  status.target = next_target;
  uint32_t capacity = next_target == MODEL_STORE_FLASH ? model_store_flash_capacity() : model_store_capacity();
  if (size == 0 || size > capacity) {
    size_t p = fmt_str(detail, 0, sizeof detail, next_target == MODEL_STORE_FLASH ? "flash region " : "");
    p = fmt_str(detail, p, sizeof detail, "capacity ");
    fmt_u32(detail, p, sizeof detail, capacity);
    return HARK_ERR_MODEL_TOO_LARGE;
  }
  if (next_target == MODEL_STORE_FLASH) {
    /* Only the sectors the model needs: a 128 KB STM32F4 sector takes a second or two to erase. */
    board_flash_status_t s = board_model_flash_erase(0, size);
    if (s != BOARD_FLASH_OK) return flash_failed("erase", 0, s);
  }
  status.size = size;
  status.crc32 = crc32;
  running_crc = HARK_CRC32_INIT;
  in_progress = 1;
  return 0;
}

static int flash_chunk(const uint8_t *data, uint32_t len) {
  const uint32_t unit = flash_region()->program_unit;
  while (len) {
    if (pending_len || len < unit) {
      uint32_t take = unit - pending_len < len ? unit - pending_len : len;
      memcpy(pending + pending_len, data, take);
      pending_len += take;
      data += take;
      len -= take;
      if (pending_len == unit) {
        pending_len = 0;
        int rc = program(pending, unit);
        if (rc) return rc;
      }
    } else {
      uint32_t whole = len - len % unit;
      int rc = program(data, whole);
      if (rc) return rc;
      data += whole;
      len -= whole;
    }
  }
  return 0;
}

int model_store_chunk(uint32_t offset, const uint8_t *data, uint16_t len) {
  detail[0] = '\0';
  if (!in_progress || offset != status.received) return HARK_ERR_MODEL_SEQUENCE;
  if (len > status.size - status.received) return HARK_ERR_MODEL_TOO_LARGE;
  if (status.target == MODEL_STORE_FLASH) {
    int rc = flash_chunk(data, len);
    if (rc) return rc;
  } else {
    memcpy(store + offset, data, len);
  }
  running_crc = hark_crc32_update(running_crc, data, len);
  status.received += len;
  return 0;
}

int model_store_commit(void) {
  detail[0] = '\0';
  if (!in_progress) return HARK_ERR_MODEL_SEQUENCE;
  if (status.received != status.size) return HARK_ERR_MODEL_TRUNCATED;
  if (status.target == MODEL_STORE_FLASH && pending_len) {
    /* The last unit, padded with the erased value: the bytes past the model stay as erased flash. */
    memset(pending + pending_len, 0xFF, flash_region()->program_unit - pending_len);
    pending_len = 0;
    int rc = program(pending, flash_region()->program_unit);
    if (rc) return rc;
  }
  in_progress = 0;
  if (hark_crc32_final(running_crc) != status.crc32) return HARK_ERR_MODEL_CRC;
  /* The bytes the model will run from, read back: a flash write that went wrong is caught here. */
  if (status.target == MODEL_STORE_FLASH && hark_crc32(flash_region()->base, status.size) != status.crc32) {
    fmt_str(detail, 0, sizeof detail, "the flash region reads back other bytes than were received");
    return HARK_ERR_MODEL_CRC;
  }
  status.verified = 1;
  return 0;
}

const model_store_status_t *model_store_status(void) { return &status; }

const uint8_t *model_store_data(void) {
  if (!status.verified) return NULL;
  return status.target == MODEL_STORE_FLASH ? flash_region()->base : store;
}

#include "model_store.h"

#include <string.h>

#include "protocol.h"

#ifndef HARK_MODEL_UPLOAD_BYTES
#error "HARK_MODEL_UPLOAD_BYTES must be set by the build"
#endif

/* 16-byte aligned: flatbuffer tables and tensor data inside the model expect aligned access. */
static uint8_t store[HARK_MODEL_UPLOAD_BYTES] __attribute__((aligned(16)));
static model_store_status_t status;
static uint32_t running_crc;
static uint8_t in_progress;

uint32_t model_store_capacity(void) { return (uint32_t)sizeof store; }
const uint8_t *model_store_buffer(void) { return store; }

int model_store_begin(uint32_t size, uint32_t crc32) {
  memset(&status, 0, sizeof status);
  in_progress = 0;
  if (size == 0 || size > sizeof store) return HARK_ERR_MODEL_TOO_LARGE;
  status.size = size;
  status.crc32 = crc32;
  running_crc = HARK_CRC32_INIT;
  in_progress = 1;
  return 0;
}

int model_store_chunk(uint32_t offset, const uint8_t *data, uint16_t len) {
  if (!in_progress || offset != status.received) return HARK_ERR_MODEL_SEQUENCE;
  if (len > status.size - status.received) return HARK_ERR_MODEL_TOO_LARGE;
  memcpy(store + offset, data, len);
  running_crc = hark_crc32_update(running_crc, data, len);
  status.received += len;
  return 0;
}

int model_store_commit(void) {
  if (!in_progress) return HARK_ERR_MODEL_SEQUENCE;
  if (status.received != status.size) return HARK_ERR_MODEL_TRUNCATED;
  in_progress = 0;
  if (hark_crc32_final(running_crc) != status.crc32) return HARK_ERR_MODEL_CRC;
  status.verified = 1;
  return 0;
}

const model_store_status_t *model_store_status(void) { return &status; }

const uint8_t *model_store_data(void) { return status.verified ? store : NULL; }

/* Where a model uploaded over serial (MODEL_BEGIN / CHUNK / COMMIT) is stored, so that any .tflite can be
 * profiled or run without reflashing: the RAM upload buffer (HARK_MODEL_UPLOAD_BYTES, fixed at build
 * time), or the board's model flash region (board_model_flash(), chosen with the model.store parameter),
 * which takes models larger than free RAM and runs them in place.
 *
 * Upload safety (issue 17): a model is only ever switched to after every byte arrived and its CRC
 * matched, for flash over the bytes read back from the region, so a failed or partial upload leaves the
 * previous model running or none, never a half-written one. */
#ifndef HARK_APP_MODEL_STORE_H
#define HARK_APP_MODEL_STORE_H

#include <stdint.h>

enum { MODEL_STORE_RAM = 0, MODEL_STORE_FLASH = 1 };

typedef struct {
  uint32_t size;     /* announced by MODEL_BEGIN */
  uint32_t received; /* bytes stored so far, in order */
  uint32_t crc32;    /* announced CRC of the whole model */
  uint8_t verified;  /* all bytes arrived and the CRC matched (for flash: over the bytes read back) */
  uint8_t target;    /* MODEL_STORE_RAM or MODEL_STORE_FLASH, latched by MODEL_BEGIN */
} model_store_status_t;

/* Forgets any upload and targets the RAM buffer again (at boot; a host harness runs main() many times). */
void model_store_init(void);
/* Bytes each store takes (0 for flash on a board without a region). */
uint32_t model_store_capacity(void);
uint32_t model_store_flash_capacity(void);
/* The store the next MODEL_BEGIN writes to: 0 or a hark_err_t (BAD_VALUE, NOT_AVAILABLE without a region). */
int model_store_set_target(uint32_t target);
uint32_t model_store_target(void);
/* The memory the next MODEL_BEGIN will overwrite (a model running from it must stop first). */
void model_store_target_memory(const uint8_t **begin, uint32_t *size);
/* Each returns 0 or a hark_err_t (MODEL_TOO_LARGE, MODEL_SEQUENCE, MODEL_TRUNCATED, MODEL_CRC,
 * MODEL_FLASH); model_store_detail() then says more, or is "". A failure ends the upload. */
int model_store_begin(uint32_t size, uint32_t crc32);
int model_store_chunk(uint32_t offset, const uint8_t *data, uint16_t len);
int model_store_commit(void);
const char *model_store_detail(void);
const model_store_status_t *model_store_status(void);
/* The verified model, or NULL. */
const uint8_t *model_store_data(void);

#endif

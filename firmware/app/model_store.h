/* The RAM buffer a model is uploaded into over serial (MODEL_BEGIN / CHUNK / COMMIT), so that any
 * .tflite can be profiled or run without reflashing. Its size is fixed at build time
 * (HARK_MODEL_UPLOAD_BYTES). */
#ifndef HARK_APP_MODEL_STORE_H
#define HARK_APP_MODEL_STORE_H

#include <stdint.h>

typedef struct {
  uint32_t size;     /* announced by MODEL_BEGIN */
  uint32_t received; /* bytes stored so far, in order */
  uint32_t crc32;    /* announced CRC of the whole model */
  uint8_t verified;  /* all bytes arrived and the CRC matched */
} model_store_status_t;

uint32_t model_store_capacity(void);
/* The buffer uploads write into (a model running from it must stop before MODEL_BEGIN succeeds). */
const uint8_t *model_store_buffer(void);
/* Each returns 0 or a hark_err_t (MODEL_TOO_LARGE, MODEL_SEQUENCE, MODEL_TRUNCATED, MODEL_CRC). */
int model_store_begin(uint32_t size, uint32_t crc32);
int model_store_chunk(uint32_t offset, const uint8_t *data, uint16_t len);
int model_store_commit(void);
const model_store_status_t *model_store_status(void);
/* The verified model, or NULL. */
const uint8_t *model_store_data(void);

#endif

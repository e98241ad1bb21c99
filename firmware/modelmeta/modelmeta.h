/* Reader of the `hark` metadata blob that travels inside a .tflite (docs/metadata.md).
 * Every length is checked against the blob before it is used: a corrupt blob is an error code. */
#ifndef HARK_MODELMETA_H
#define HARK_MODELMETA_H

#include <stdint.h>

#define HARK_META_OK 0
#define HARK_META_ENOTFOUND (-1)
#define HARK_META_ETYPE (-2)
#define HARK_META_ECORRUPT (-3)
#define HARK_META_EVERSION (-4)

typedef struct {
  const uint8_t *data;
  uint32_t size;
  uint16_t count;
} hark_meta_t;

/* Checks magic, version and that all entries lie inside the blob. */
int hark_meta_open(hark_meta_t *m, const uint8_t *blob, uint32_t size);

int hark_meta_i32(const hark_meta_t *m, const char *key, int32_t *out);
int hark_meta_f32(const hark_meta_t *m, const char *key, float *out);
/* The string is not NUL-terminated: use *len. */
int hark_meta_str(const hark_meta_t *m, const char *key, const char **out, uint32_t *len);
/* Little-endian int32 values, possibly unaligned: read element i with hark_meta_array_at(). */
int hark_meta_i32_array(const hark_meta_t *m, const char *key, const uint8_t **raw, uint32_t *count);
int32_t hark_meta_array_at(const uint8_t *raw, uint32_t i);

/* Finds the i-th comma-separated item of a string value (labels). Returns its length, or -1. */
int32_t hark_meta_list_item(const char *list, uint32_t list_len, uint32_t index, const char **item);

const char *hark_meta_strerror(int code);

#endif

#include "modelmeta.h"

#include <string.h>

#define HEADER_SIZE 8u

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* Walks entries from the header on; calls back nothing, just validates or finds. All arithmetic is
 * done in uint32 against the remaining size, so no pointer ever leaves the blob. */
typedef struct {
  const uint8_t *key;
  uint8_t key_len;
  uint8_t type;
  const uint8_t *value;
  uint16_t value_len;
} entry_t;

static int next_entry(const hark_meta_t *m, uint32_t *pos, entry_t *e) {
  uint32_t p = *pos;
  if (m->size - p < 1u) return HARK_META_ECORRUPT;
  e->key_len = m->data[p];
  p += 1u;
  if (e->key_len == 0u || m->size - p < (uint32_t)e->key_len + 3u) return HARK_META_ECORRUPT;
  e->key = m->data + p;
  p += e->key_len;
  e->type = m->data[p];
  e->value_len = rd16(m->data + p + 1u);
  p += 3u;
  if (m->size - p < e->value_len) return HARK_META_ECORRUPT;
  e->value = m->data + p;
  *pos = p + e->value_len;
  return HARK_META_OK;
}

int hark_meta_open(hark_meta_t *m, const uint8_t *blob, uint32_t size) {
  m->data = blob;
  m->size = size;
  m->count = 0;
  if (blob == NULL || size < HEADER_SIZE || memcmp(blob, "HRK1", 4) != 0) return HARK_META_ECORRUPT;
  if (rd16(blob + 4) != 1u) return HARK_META_EVERSION;
  uint16_t count = rd16(blob + 6);
  uint32_t pos = HEADER_SIZE;
  for (uint16_t i = 0; i < count; i++) {
    entry_t e;
    int rc = next_entry(m, &pos, &e);
    if (rc != HARK_META_OK) return rc;
  }
  m->count = count;
  return HARK_META_OK;
}

static int find(const hark_meta_t *m, const char *key, uint8_t type, entry_t *out) {
  size_t key_len = strlen(key);
  uint32_t pos = HEADER_SIZE;
  for (uint16_t i = 0; i < m->count; i++) {
    entry_t e;
    if (next_entry(m, &pos, &e) != HARK_META_OK) return HARK_META_ECORRUPT;
    if (e.key_len == key_len && memcmp(e.key, key, key_len) == 0) {
      if (e.type != type) return HARK_META_ETYPE;
      *out = e;
      return HARK_META_OK;
    }
  }
  return HARK_META_ENOTFOUND;
}

int hark_meta_i32(const hark_meta_t *m, const char *key, int32_t *out) {
  entry_t e;
  int rc = find(m, key, 'i', &e);
  if (rc != HARK_META_OK) return rc;
  if (e.value_len != 4u) return HARK_META_ECORRUPT;
  *out = (int32_t)rd32(e.value);
  return HARK_META_OK;
}

int hark_meta_f32(const hark_meta_t *m, const char *key, float *out) {
  entry_t e;
  int rc = find(m, key, 'f', &e);
  if (rc != HARK_META_OK) return rc;
  if (e.value_len != 4u) return HARK_META_ECORRUPT;
  uint32_t bits = rd32(e.value);
  memcpy(out, &bits, sizeof *out);
  return HARK_META_OK;
}

int hark_meta_str(const hark_meta_t *m, const char *key, const char **out, uint32_t *len) {
  entry_t e;
  int rc = find(m, key, 's', &e);
  if (rc != HARK_META_OK) return rc;
  *out = (const char *)e.value;
  *len = e.value_len;
  return HARK_META_OK;
}

int hark_meta_i32_array(const hark_meta_t *m, const char *key, const uint8_t **raw, uint32_t *count) {
  entry_t e;
  int rc = find(m, key, 'a', &e);
  if (rc != HARK_META_OK) return rc;
  if (e.value_len % 4u) return HARK_META_ECORRUPT;
  *raw = e.value;
  *count = e.value_len / 4u;
  return HARK_META_OK;
}

int32_t hark_meta_array_at(const uint8_t *raw, uint32_t i) { return (int32_t)rd32(raw + 4u * i); }

int32_t hark_meta_list_item(const char *list, uint32_t list_len, uint32_t index, const char **item) {
  uint32_t start = 0;
  for (uint32_t i = 0; i <= list_len; i++) {
    if (i == list_len || list[i] == ',') {
      if (index == 0u) {
        *item = list + start;
        return (int32_t)(i - start);
      }
      index--;
      start = i + 1u;
    }
  }
  return -1;
}

const char *hark_meta_strerror(int code) {
  switch (code) {
    case HARK_META_OK: return "ok";
    case HARK_META_ENOTFOUND: return "metadata key not found";
    case HARK_META_ETYPE: return "metadata value has another type";
    case HARK_META_ECORRUPT: return "metadata blob is corrupt or truncated";
    case HARK_META_EVERSION: return "metadata format version is not supported";
    default: return "unknown metadata error";
  }
}

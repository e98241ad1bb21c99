/* Struct layouts for the host bindings: each firmware module's host library exports a table of the
 * sizes and offsets of the structs its header shares with Python (hark/native), and the binding checks
 * every ctypes field against it when it loads the library, so a header change cannot silently corrupt a
 * field. Host builds only: board images do not carry the tables. */
#ifndef HARK_LAYOUT_H
#define HARK_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  const char *type;  /* the C type name, e.g. "runtime_tensor_info_t" */
  const char *field; /* "" for the row that gives sizeof(type) */
  uint32_t offset;
  uint32_t size;
} hark_layout_t;

#define HARK_LAYOUT_TYPE(T) {#T, "", 0u, (uint32_t)sizeof(T)}
#define HARK_LAYOUT_FIELD(T, f) {#T, #f, (uint32_t)offsetof(T, f), (uint32_t)sizeof(((T *)0)->f)}

/* Declares and defines `const hark_layout_t *hark_<module>_layout(uint32_t *count)` over `table`. */
#define HARK_LAYOUT_EXPORT(module, table)                                                                   \
  const hark_layout_t *hark_##module##_layout(uint32_t *count);                                            \
  const hark_layout_t *hark_##module##_layout(uint32_t *count) {                                           \
    *count = (uint32_t)(sizeof(table) / sizeof((table)[0]));                                                \
    return (table);                                                                                         \
  }

#endif

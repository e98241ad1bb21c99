/* A small bounded text formatter for messages (no printf on the device). */
#ifndef HARK_APP_FMT_H
#define HARK_APP_FMT_H

#include <stddef.h>
#include <stdint.h>

/* Append at buf[pos..] within cap, keep buf NUL-terminated, and return the new position. */
size_t fmt_str(char *buf, size_t pos, size_t cap, const char *s);
size_t fmt_u32(char *buf, size_t pos, size_t cap, uint32_t v);

#endif

/* The board's identity as one text line, and a small decimal formatter (no printf on the device). */
#ifndef HARK_APP_IDENTITY_H
#define HARK_APP_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

/* Appends the decimal form of v at buf[pos..] (bounded by cap); returns the new position. */
size_t fmt_u32(char *buf, size_t pos, size_t cap, uint32_t v);
size_t fmt_str(char *buf, size_t pos, size_t cap, const char *s);

/* "ID board=... cpu=... fw=... build=... clock_hz=... counter=... stack=... flash=... ram=...\n" */
size_t identity_line(char *buf, size_t cap);

#endif

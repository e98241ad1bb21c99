#include "fmt.h"

size_t fmt_str(char *buf, size_t pos, size_t cap, const char *s) {
  while (*s && pos + 1 < cap) buf[pos++] = *s++;
  buf[pos < cap ? pos : cap - 1] = '\0';
  return pos;
}

size_t fmt_u32(char *buf, size_t pos, size_t cap, uint32_t v) {
  char digits[10];
  size_t n = 0;
  do {
    digits[n++] = (char)('0' + v % 10u);
    v /= 10u;
  } while (v);
  while (n && pos + 1 < cap) buf[pos++] = digits[--n];
  buf[pos < cap ? pos : cap - 1] = '\0';
  return pos;
}

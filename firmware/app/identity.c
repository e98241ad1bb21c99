#include "identity.h"

#include "board.h"

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

size_t identity_line(char *buf, size_t cap) {
  const board_info_t *b = board_info();
  size_t p = 0;
  p = fmt_str(buf, p, cap, "ID board=");
  p = fmt_str(buf, p, cap, b->name);
  p = fmt_str(buf, p, cap, " cpu=");
  p = fmt_str(buf, p, cap, b->cpu);
  p = fmt_str(buf, p, cap, " fw=" HARK_VERSION " build=" HARK_BUILD_ID " clock_hz=");
  p = fmt_u32(buf, p, cap, b->clock_hz);
  p = fmt_str(buf, p, cap, b->counter_kind == BOARD_COUNTER_INSTRUCTIONS ? " counter=instructions" : " counter=cycles");
  p = fmt_str(buf, p, cap, " stack=");
  p = fmt_u32(buf, p, cap, (uint32_t)board_stack_size());
  p = fmt_str(buf, p, cap, " stack_peak=");
  p = fmt_u32(buf, p, cap, (uint32_t)board_stack_peak());
  p = fmt_str(buf, p, cap, " flash=");
  p = fmt_u32(buf, p, cap, (uint32_t)board_flash_used());
  p = fmt_str(buf, p, cap, " ram=");
  p = fmt_u32(buf, p, cap, (uint32_t)board_static_ram_used());
  p = fmt_str(buf, p, cap, "\n");
  return p;
}

#include "semihosting.h"

#include <string.h>

#define SYS_OPEN 0x01u
#define SYS_CLOSE 0x02u
#define SYS_WRITE0 0x04u
#define SYS_READ 0x06u
#define SYS_SEEK 0x0Au
#define SYS_FLEN 0x0Cu
#define SYS_GET_CMDLINE 0x15u
#define SYS_EXIT_EXTENDED 0x20u
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u
#define OPEN_MODE_RB 1u

static uint32_t semihosting_call(uint32_t op, const void *arg) {
  register uint32_t r0 __asm("r0") = op;
  register const void *r1 __asm("r1") = arg;
  __asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

void semihosting_write0(const char *text) { (void)semihosting_call(SYS_WRITE0, text); }

void semihosting_exit(int code) {
  /* SYS_EXIT_EXTENDED carries the code to QEMU's exit status, unlike plain SYS_EXIT. */
  const uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)code};
  (void)semihosting_call(SYS_EXIT_EXTENDED, block);
}

int semihosting_cmdline(char *buf, uint32_t cap) {
  if (cap < 2u) return -1;
  uint32_t block[2] = {(uint32_t)(uintptr_t)buf, cap - 1u};
  if (semihosting_call(SYS_GET_CMDLINE, block) != 0u) return -1;
  buf[block[1] < cap ? block[1] : cap - 1u] = '\0';
  return 0;
}

int32_t semihosting_open_read(const char *path) {
  const uint32_t block[3] = {(uint32_t)(uintptr_t)path, OPEN_MODE_RB, (uint32_t)strlen(path)};
  return (int32_t)semihosting_call(SYS_OPEN, block);
}

uint32_t semihosting_read(int32_t handle, void *buf, uint32_t len) {
  const uint32_t block[3] = {(uint32_t)handle, (uint32_t)(uintptr_t)buf, len};
  uint32_t left = semihosting_call(SYS_READ, block); /* bytes NOT read */
  return left > len ? 0u : len - left;
}

int semihosting_seek(int32_t handle, uint32_t pos) {
  const uint32_t block[2] = {(uint32_t)handle, pos};
  return semihosting_call(SYS_SEEK, block) == 0u ? 0 : -1;
}

int32_t semihosting_flen(int32_t handle) {
  const uint32_t block[1] = {(uint32_t)handle};
  return (int32_t)semihosting_call(SYS_FLEN, block);
}

void semihosting_close(int32_t handle) {
  const uint32_t block[1] = {(uint32_t)handle};
  (void)semihosting_call(SYS_CLOSE, block);
}

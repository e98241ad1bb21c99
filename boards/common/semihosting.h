#ifndef HARK_SEMIHOSTING_H
#define HARK_SEMIHOSTING_H

#include <stddef.h>
#include <stdint.h>

/* ARM semihosting calls, for emulated boards only: QEMU serves them with
 * -semihosting-config enable=on,target=native. On hardware without a debugger a semihosting call
 * faults, so real-board images never make one. */
void semihosting_write0(const char *text);
void semihosting_exit(int code);

/* The command line QEMU was given (-semihosting-config arg=...), NUL-terminated; 0 or -1. */
int semihosting_cmdline(char *buf, uint32_t cap);
/* Files on the host: open for binary reading (a handle, or -1), read (bytes read), seek, length, close. */
int32_t semihosting_open_read(const char *path);
uint32_t semihosting_read(int32_t handle, void *buf, uint32_t len);
int semihosting_seek(int32_t handle, uint32_t pos);
int32_t semihosting_flen(int32_t handle);
void semihosting_close(int32_t handle);

#endif

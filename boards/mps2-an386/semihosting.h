#ifndef HARK_MPS2_SEMIHOSTING_H
#define HARK_MPS2_SEMIHOSTING_H

#include <stdint.h>

/* ARM semihosting calls; QEMU serves them with -semihosting-config enable=on,target=native. */
void semihosting_write0(const char *text);
void semihosting_exit(int code);

#endif

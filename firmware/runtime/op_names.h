#ifndef HARK_RUNTIME_OP_NAMES_H
#define HARK_RUNTIME_OP_NAMES_H
#include <stdint.h>
/* The TFLite name of a builtin op code ("?" if unknown, or if built with RUNTIME_NO_OP_NAMES). */
const char *rt_builtin_name(int32_t code);
#endif

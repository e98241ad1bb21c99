/* TF's microfrontend Log as the op writes it (fraction shifted left below 2^16, right above; 64-bit ln
 * scaling): the oracle for the fast log's CLZ fraction and SMMULR scaling, shared by the host test and the
 * board twin test. */
#ifndef HARK_FRONTEND_TESTS_LOG_OP_H
#define HARK_FRONTEND_TESTS_LOG_OP_H

#include <stdint.h>

#include "frontend.h"

extern const uint16_t frontend_log_lut[130]; /* frontend.c's table (the tables test checks its entries) */

static inline uint32_t log_op(uint32_t x, int32_t scale_shift) {
  const uint32_t integer = 31u - (uint32_t)__builtin_clz(x);
  int32_t frac = (int32_t)((int64_t)x - ((int64_t)1 << integer));
  frac = integer < 16 ? (int32_t)((uint32_t)frac << (16 - integer)) : frac >> (integer - 16);
  const uint32_t seg = (uint32_t)frac >> 9;
  const int32_t c0 = frontend_log_lut[seg], c1 = frontend_log_lut[seg + 1];
  const int32_t rel = ((c1 - c0) * (frac - (int32_t)(512u * seg))) >> 16;
  const uint32_t log2 = (integer << 16) + (uint32_t)(frac + c0 + rel);
  const uint32_t loge = (uint32_t)(((uint64_t)45426u * log2 + 32768u) >> 16);
  return ((loge << scale_shift) + 32768u) >> 16;
}

#endif

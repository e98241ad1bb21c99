/* Init-time math for the frontend tables, in plain C doubles and without libm.
 *
 * The op builds its tables with glibc's cos, sin, log1p (double) and powf, then rounds to float or
 * to integers. These versions are accurate to a few double ulps, so after the same roundings they
 * give the same tables (the tests compare them with libm over every window size and many
 * settings). On the Cortex-M4F doubles are software, which is fine for init; per-hop code never
 * calls these. */
#include <stdint.h>
#include <string.h>

#include "frontend.h"

/* pi/2 and ln 2 split so that k * HI is exact for the small k used here (fdlibm's values). */
static const double kPio2Hi = 1.57079632673412561417e+00;
static const double kPio2Lo = 6.07710050650619224932e-11;
static const double kTwoOverPi = 6.36619772367581382433e-01;
static const double kLn2Hi = 6.93147180369123816490e-01;
static const double kLn2Lo = 1.90821492927058770002e-10;
static const double kInvLn2 = 1.44269504088896338700e+00;

static int32_t nearest_int(double x) { return (int32_t)(x >= 0.0 ? x + 0.5 : x - 0.5); }

/* sin and cos of |r| <= pi/4 + a little, by their Taylor series to r^17 and r^18 (terms below
 * 1e-17 are dropped). */
/* Not inlined: init-only code, kept small. */
__attribute__((noinline)) static double sin_kernel(double r) {
  const double r2 = r * r;
  double p = 1.0 - r2 / 306.0;
  p = 1.0 - r2 / 272.0 * p;
  p = 1.0 - r2 / 210.0 * p;
  p = 1.0 - r2 / 156.0 * p;
  p = 1.0 - r2 / 110.0 * p;
  p = 1.0 - r2 / 72.0 * p;
  p = 1.0 - r2 / 42.0 * p;
  p = 1.0 - r2 / 20.0 * p;
  p = 1.0 - r2 / 6.0 * p;
  return r * p;
}

/* Not inlined: init-only code, kept small. */
__attribute__((noinline)) static double cos_kernel(double r) {
  const double r2 = r * r;
  double p = 1.0 - r2 / 380.0;
  p = 1.0 - r2 / 306.0 * p;
  p = 1.0 - r2 / 240.0 * p;
  p = 1.0 - r2 / 182.0 * p;
  p = 1.0 - r2 / 132.0 * p;
  p = 1.0 - r2 / 90.0 * p;
  p = 1.0 - r2 / 56.0 * p;
  p = 1.0 - r2 / 30.0 * p;
  p = 1.0 - r2 / 12.0 * p;
  return 1.0 - r2 / 2.0 * p;
}

/* x - k*pi/2 for the quadrant k nearest x (valid for |x| up to about 1e5, far beyond our use). */
static double reduce_quadrant(double x, int32_t *quadrant) {
  const int32_t k = nearest_int(x * kTwoOverPi);
  *quadrant = k & 3;
  return (x - (double)k * kPio2Hi) - (double)k * kPio2Lo;
}

double frontend_math_cos(double x) {
  int32_t q;
  const double r = reduce_quadrant(x, &q);
  switch (q) {
    case 0: return cos_kernel(r);
    case 1: return -sin_kernel(r);
    case 2: return -cos_kernel(r);
    default: return sin_kernel(r);
  }
}

double frontend_math_sin(double x) {
  int32_t q;
  const double r = reduce_quadrant(x, &q);
  switch (q) {
    case 0: return sin_kernel(r);
    case 1: return cos_kernel(r);
    case 2: return -sin_kernel(r);
    default: return -cos_kernel(r);
  }
}

/* Natural log of a positive, finite, normal double: u = 2^e * m with m in [sqrt(1/2), sqrt(2)),
 * log m = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172. */
/* Not inlined: init-only code, kept small. */
__attribute__((noinline)) static double log_positive(double u) {
  uint64_t bits;
  memcpy(&bits, &u, sizeof bits);
  int32_t e = (int32_t)((bits >> 52) & 0x7ff) - 1023;
  bits = (bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull;
  double m;
  memcpy(&m, &bits, sizeof m);
  if (m > 1.41421356237309504880) {
    m *= 0.5;
    e += 1;
  }
  const double s = (m - 1.0) / (m + 1.0);
  const double s2 = s * s;
  double p = 1.0 / 25.0;
  for (int32_t n = 11; n >= 0; n--) p = 1.0 / (double)(2 * n + 1) + s2 * p;
  return (double)e * kLn2Hi + ((double)e * kLn2Lo + 2.0 * s * p);
}

double frontend_math_log1p(double x) {
  if (x == 0.0) return x;
  const double u = 1.0 + x;
  if (u == 1.0) return x;
  /* log(1+x) = log(u) * x / (u - 1) cancels the rounding of 1 + x (Goldberg). */
  return log_positive(u) * (x / (u - 1.0));
}

/* e^t for t well inside the double range: t = k ln2 + r, |r| <= ln2/2. */
/* Not inlined: init-only code, kept small. */
__attribute__((noinline)) static double exp_finite(double t) {
  const int32_t k = nearest_int(t * kInvLn2);
  const double r = (t - (double)k * kLn2Hi) - (double)k * kLn2Lo;
  double p = 1.0;
  for (int32_t n = 14; n >= 1; n--) p = 1.0 + r * p / (double)n;
  if (k < -1020 || k > 1020) return k < 0 ? 0.0 : p * 8.98846567431158e307;
  const uint64_t scale_bits = (uint64_t)(k + 1023) << 52;
  double scale;
  memcpy(&scale, &scale_bits, sizeof scale);
  return p * scale;
}

static float float_from_bits(uint32_t bits) {
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

float frontend_math_powf(float x, float y) {
  const float inf = float_from_bits(0x7f800000u);
  if (y == 0.0f || x == 1.0f) return 1.0f;
  if (x == 0.0f) return y < 0.0f ? inf : 0.0f; /* pow(0, -y) = inf */
  if (x < 0.0f || x != x || y != y) return float_from_bits(0x7fc00000u);
  const double t = (double)y * log_positive((double)x);
  if (t > 709.0) return inf;
  if (t < -745.0) return 0.0f;
  return (float)exp_finite(t);
}

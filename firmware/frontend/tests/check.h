/* A minimal check macro for the frontend's C unit tests: counts failures, prints the first few. */
#ifndef HARK_FRONTEND_TEST_CHECK_H
#define HARK_FRONTEND_TEST_CHECK_H

#include <stdio.h>

static int check_failures;

#define CHECK(cond, ...)                                             \
  do {                                                               \
    if (!(cond)) {                                                   \
      if (check_failures < 20) {                                     \
        fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
        fprintf(stderr, __VA_ARGS__);                                \
        fputc('\n', stderr);                                         \
      }                                                              \
      check_failures++;                                              \
    }                                                                \
  } while (0)

static int check_report(const char *name) {
  if (check_failures) {
    fprintf(stderr, "%s: %d check(s) failed\n", name, check_failures);
    return 1;
  }
  printf("%s: all checks passed\n", name);
  return 0;
}

#endif

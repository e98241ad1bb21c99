/* Runs a harness over files and folders without libFuzzer: ctest replays the committed corpus and every
 * regression input through each harness under the host ASan/UBSan build (GCC or Clang), so a fixed
 * finding stays fixed even where clang's libFuzzer is not installed. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static uint8_t buf[1 << 20];

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "replay: cannot open %s\n", path);
    return 1;
  }
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  /* a heap copy of the exact size, as libFuzzer passes it: reads past the end are reported */
  uint8_t *copy = malloc(n ? n : 1);
  if (!copy) return 1;
  memcpy(copy, buf, n);
  LLVMFuzzerTestOneInput(copy, n);
  free(copy);
  return 0;
}

static int run_path(const char *path, unsigned *count) {
  struct stat st;
  if (stat(path, &st) != 0) {
    fprintf(stderr, "replay: no such file or folder %s\n", path);
    return 1;
  }
  if (!S_ISDIR(st.st_mode)) {
    (*count)++;
    return run_file(path);
  }
  DIR *d = opendir(path);
  if (!d) return 1;
  struct dirent *e;
  int rc = 0;
  char child[4096];
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    snprintf(child, sizeof child, "%s/%s", path, e->d_name);
    rc |= run_path(child, count);
  }
  closedir(d);
  return rc;
}

int main(int argc, char **argv) {
  unsigned count = 0;
  int rc = 0;
  for (int i = 1; i < argc; i++) rc |= run_path(argv[i], &count);
  printf("replayed %u inputs\n", count);
  return rc || count == 0;
}

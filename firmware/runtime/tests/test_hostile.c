/* Hostile models (issue 17): each defect class, rebuilt by tools/fuzz_corpus.py as an attacker would
 * (firmware/fuzz/regress/runtime), must be refused by open or init with the right code and a message
 * naming the problem, never reach invoke. Run under ASan/UBSan: before the fixes, several of these read or
 * wrote outside the model or the arena, or shifted by 32 or more. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

static _Alignas(16) uint8_t model[256 * 1024];
static _Alignas(16) uint8_t arena[64 * 1024];
static int failures;

typedef struct {
  const char *file;
  int open_rc; /* expected from runtime_model_open (RUNTIME_OK: then init must fail) */
  int init_rc;
  const char *words; /* in runtime_error() */
} expect_t;

static const expect_t cases[] = {
    {"offset_wrap.tflite", RUNTIME_E_MODEL, 0, NULL},
    {"size_wrap_32.tflite", RUNTIME_OK, RUNTIME_E_MODEL, "larger than 256 MB"},
    {"tiny_scale_add.tflite", RUNTIME_OK, RUNTIME_E_UNSUPPORTED, "scale out of range"},
    {"tiny_scale_sub.tflite", RUNTIME_OK, RUNTIME_E_UNSUPPORTED, "scale out of range"},
    {"tiny_scale_mul.tflite", RUNTIME_OK, RUNTIME_E_UNSUPPORTED, "scale out of range"},
    {"tiny_scale_mean.tflite", RUNTIME_OK, RUNTIME_E_UNSUPPORTED, "scale out of range"},
    /* float -> int8 with a tiny scale: no multiplier, but x / scale overflows int32 in rt_round_f32; it
     * saturates now (UBSan reported the cast before), so the model runs. */
    {"tiny_scale_quantize.tflite", RUNTIME_OK, RUNTIME_OK, NULL},
    {"tiny_scale_fully_connected.tflite", RUNTIME_OK, RUNTIME_E_UNSUPPORTED, "scale out of range"},
    {"tiny_scale_svdf.tflite", RUNTIME_OK, RUNTIME_E_UNSUPPORTED, "scale out of range"},
    {"tiny_scale_softmax.tflite", RUNTIME_OK, RUNTIME_E_UNSUPPORTED, "(SOFTMAX)"},
    {"tiny_scale_logistic.tflite", RUNTIME_OK, RUNTIME_E_UNSUPPORTED, "(LOGISTIC)"},
    {"huge_scale_logistic.tflite", RUNTIME_OK, RUNTIME_E_UNSUPPORTED, "scale out of range"},
    {"nan_scale.tflite", RUNTIME_OK, RUNTIME_E_MODEL, "NaN"},
    {"zero_point_int_min.tflite", RUNTIME_OK, RUNTIME_E_MODEL, "zero point out of range"},
    {"activation_range_overflow.tflite", RUNTIME_OK, RUNTIME_E_UNSUPPORTED, "scale out of range"},
    {"cycle.tflite", RUNTIME_OK, RUNTIME_E_MODEL, "cycle"},
    {"unproduced_output.tflite", RUNTIME_OK, RUNTIME_E_MODEL, "tensor 3 'orphan': a subgraph output that no op produces"},
    {"writes_constant.tflite", RUNTIME_OK, RUNTIME_E_MODEL, "an op output is a constant"},
    {"two_writers.tflite", RUNTIME_OK, RUNTIME_E_MODEL, "written by two ops"},
    {"var_handle_no_outputs.tflite", RUNTIME_OK, RUNTIME_E_MODEL, "never produced"},
    /* shapes the compact op data and nodes cannot hold, refused at init (an SVDF with no memory would put
     * the newest state value before the state) */
    {"svdf_zero_memory.tflite", RUNTIME_OK, RUNTIME_E_UNSUPPORTED, "op 0 (SVDF): SVDF shape out of range"},
    {"op_256_inputs.tflite", RUNTIME_OK, RUNTIME_E_UNSUPPORTED, "op 0 (FULLY_CONNECTED): more than 255 inputs"},
    /* fuzzing findings (tools/fuzz.py), kept as found */
    {"finding_mean_one_input_no_message.tflite", RUNTIME_OK, RUNTIME_E_MODEL, "MEAN takes an input and its axes"},
};

static size_t load(const char *dir, const char *file) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "FAIL: cannot open %s\n", path);
    failures++;
    return 0;
  }
  size_t n = fread(model, 1, sizeof model, f);
  fclose(f);
  return n;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "firmware/fuzz/regress/runtime";
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const expect_t *c = &cases[i];
    size_t n = load(dir, c->file);
    if (!n) continue;
    runtime_model_t m;
    int rc = runtime_model_open(&m, model, n);
    if (rc != c->open_rc) {
      fprintf(stderr, "FAIL %s: open returned %d, expected %d\n", c->file, rc, c->open_rc);
      failures++;
      continue;
    }
    if (rc) continue;
    runtime_t rt;
    rc = runtime_init(&rt, &m, &runtime_all_ops, arena, sizeof arena);
    const char *e = runtime_error(&rt);
    if (rc == RUNTIME_OK && c->init_rc == RUNTIME_OK) {
      runtime_tensor_info_t in;
      if (runtime_input(&rt, 0, &in) == RUNTIME_OK && in.type == RUNTIME_FLOAT32) {
        float big[4] = {3e38f, -3e38f, 1.0f, -0.0f};
        for (uint32_t k = 0; k + sizeof big <= in.bytes; k += sizeof big) memcpy((uint8_t *)in.data + k, big, sizeof big);
      }
      rc = runtime_invoke(&rt);
      if (rc) {
        fprintf(stderr, "FAIL %s: invoke returned %d '%s'\n", c->file, rc, runtime_error(&rt));
        failures++;
      } else {
        printf("%-36s runs\n", c->file);
      }
      continue;
    }
    if (rc != c->init_rc || (c->words && !strstr(e, c->words))) {
      fprintf(stderr, "FAIL %s: init returned %d '%s', expected %d with '%s'\n", c->file, rc, e, c->init_rc,
              c->words ? c->words : "");
      failures++;
    } else {
      printf("%-36s refused: %s\n", c->file, e);
    }
  }
  if (failures) fprintf(stderr, "%d failures\n", failures);
  return failures != 0;
}

/* hark runtime: runs int8 .tflite models the way TensorFlow Lite Micro does, bit for bit.
 *
 * Flow: runtime_model_open() verifies the flatbuffer (every offset, size and vtable is checked before
 * use; a hostile model gives an error code, never a crash), runtime_init() builds the interpreter in a
 * caller-provided arena (tensor memory planned by lifetime), then set inputs, runtime_invoke(), read
 * outputs. No heap, no globals written: several runtimes can coexist.
 */
#ifndef HARK_RUNTIME_H
#define HARK_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
  RUNTIME_OK = 0,
  RUNTIME_E_ARG = -1,         /* a NULL pointer, an index out of range, a misaligned buffer */
  RUNTIME_E_MODEL = -2,       /* the flatbuffer is corrupt or inconsistent */
  RUNTIME_E_UNSUPPORTED = -3, /* an op, type or option this runtime does not implement */
  RUNTIME_E_ARENA = -4,       /* the arena is too small (runtime_error says how much is needed) */
  RUNTIME_E_NOT_FOUND = -5,   /* e.g. no metadata entry of that name */
  RUNTIME_E_EVAL = -6,        /* a kernel failed at invoke time */
};

/* TFLite TensorType values. */
typedef enum {
  RUNTIME_FLOAT32 = 0,
  RUNTIME_INT32 = 2,
  RUNTIME_UINT8 = 3,
  RUNTIME_INT64 = 4,
  RUNTIME_BOOL = 6,
  RUNTIME_INT16 = 7,
  RUNTIME_INT8 = 9,
  RUNTIME_RESOURCE = 13,
} runtime_type_t;

#define RUNTIME_MAX_DIMS 6

/* A verified model: a view over the caller's bytes, which must stay alive and 4-byte aligned. */
typedef struct {
  const uint8_t *data;
  uint32_t size;
  uint32_t root; /* offset of the Model table */
} runtime_model_t;

int runtime_model_open(runtime_model_t *model, const void *data, size_t size);

/* Finds Model.metadata[name] and returns its buffer's bytes (inside the model). */
int runtime_model_metadata(const runtime_model_t *model, const char *name, const uint8_t **data, uint32_t *len);

/* The kernels an app links: list only the ones its model needs and the others stay out of flash. */
typedef struct rt_kernel runtime_kernel_t;
typedef struct {
  const runtime_kernel_t *const *kernels;
  uint32_t count;
  /* Optional: names an op outside the table in init's error (runtime_builtin_name knows all TFLite builtins,
   * 1.8 KB of strings). NULL keeps them out of flash; the error then gives the builtin code alone. */
  const char *(*builtin_name)(int32_t code);
} runtime_ops_t;
extern const runtime_ops_t runtime_all_ops; /* every kernel and every builtin's name (host tools, tests) */
/* The TFLite name of a builtin op code, or "?" for a code past the schema this runtime knows. */
const char *runtime_builtin_name(int32_t code);

#define RUNTIME_KERNEL(op) rt_kernel_##op /* e.g. &RUNTIME_KERNEL(FULLY_CONNECTED) */
#define RT_OP(op, code) extern const runtime_kernel_t rt_kernel_##op;
#include "runtime_ops.def"
#undef RT_OP
/* Variants: an op's kernel restricted to the shapes of one of its paths, so that only that path is linked
 * (TFLM's Register_<OP>_INT8 specializations, by shape). hark.format.op_table lists one instead of the whole
 * kernel when every such op of its models fits it; its prepare refuses any other shape, naming the variant. */
extern const runtime_kernel_t rt_kernel_DEPTHWISE_CONV_2D_ONE_CHANNEL; /* 1 input channel, out % 4 == 0, dil_w 1 */

/* Per-op profiling: `now` reads a free-running counter, `elapsed` turns two readings into counter units
 * (NULL: plain unsigned difference), `report` receives each op's delta as it completes. The runtime keeps
 * a pointer: the struct must outlive the runtime (or the next runtime_set_profiler call). */
typedef struct {
  uint32_t (*now)(void);
  uint32_t (*elapsed)(uint32_t start, uint32_t end);
  void (*report)(void *user, uint32_t op_index, const char *op_name, uint32_t delta);
  void *user;
} runtime_profiler_t;

struct rt_interp;
typedef struct {
  struct rt_interp *impl; /* private: lives at the start of the arena */
  char error[112];        /* the last error, e.g. "op 3 (SVDF): unsupported input type INT16" */
} runtime_t;

/* Builds the interpreter for subgraph 0 in `arena` (any alignment; 16 bytes recommended). On
 * RUNTIME_E_ARENA the error names the bytes needed. */
int runtime_init(runtime_t *rt, const runtime_model_t *model, const runtime_ops_t *ops, void *arena,
                 size_t arena_size);
/* runtime_init with flags. RUNTIME_INPUTS_EXTERNAL: the model's inputs live in the app's own buffers, not in
 * the arena (an app that already holds the input, e.g. a feature window, saves its bytes and the copy). Their
 * data is NULL until runtime_bind_input(); runtime_invoke() refuses, naming the input, until all are bound. */
#define RUNTIME_INPUTS_EXTERNAL 1u
int runtime_init_ex(runtime_t *rt, const runtime_model_t *model, const runtime_ops_t *ops, void *arena,
                    size_t arena_size, uint32_t flags);
/* Points input `index` at `data` (`bytes` must be the tensor's size; aligned to a pointer's size). The
 * buffer must outlive the runtime; the runtime only reads it. */
int runtime_bind_input(runtime_t *rt, uint32_t index, void *data, size_t bytes);
int runtime_invoke(runtime_t *rt);
/* Resets the streaming state as TFLM does: variable tensors to 0 (int8 ones to their zero point),
 * resource variables to their fill; CALL_ONCE does not run again. */
int runtime_reset(runtime_t *rt);
void runtime_set_profiler(runtime_t *rt, const runtime_profiler_t *profiler);
const char *runtime_error(const runtime_t *rt);

/* Arena bytes in use (persistent structures + the peak of the planned tensors and scratch + the variables). */
size_t runtime_arena_used(const runtime_t *rt);
/* Arena bytes init needed at its peak, at least runtime_arena_used(): while init runs, every tensor's record
 * and quantization and every op's options position sit at the arena's far end, above the persistent part
 * and below them first the validator's marks, then the planner's workspace. An arena of exactly this many
 * bytes, its start aligned as this one's was, initializes this model (runtime_init_ex with the same flags);
 * one byte less fails with RUNTIME_E_ARENA. Size an arena by this, not by runtime_arena_used(). */
size_t runtime_arena_init_peak(const runtime_t *rt);

typedef struct {
  void *data;
  uint32_t bytes;
  runtime_type_t type;
  uint32_t rank;
  int32_t dims[RUNTIME_MAX_DIMS];
  float scale;
  int32_t zero_point;
} runtime_tensor_info_t;

uint32_t runtime_input_count(const runtime_t *rt);
uint32_t runtime_output_count(const runtime_t *rt);
/* An input's or output's buffer, shape and quantization. The quantization is read from the model again on each
 * call (the arena keeps no copy after init: about 430 instructions on a Cortex-M4), so call these once after
 * init and keep what they return; the buffer stays put until the runtime is initialized again. */
int runtime_input(const runtime_t *rt, uint32_t index, runtime_tensor_info_t *info);
int runtime_output(const runtime_t *rt, uint32_t index, runtime_tensor_info_t *info);
uint32_t runtime_op_count(const runtime_t *rt);
const char *runtime_op_name(const runtime_t *rt, uint32_t op_index);

#ifdef __cplusplus
}
#endif
#endif

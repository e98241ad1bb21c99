/* The kernel interface: what a kernel file sees of the interpreter. See KERNELS.md. */
#ifndef HARK_RUNTIME_KERNEL_H
#define HARK_RUNTIME_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "fb.h"
#include "runtime.h"

enum {
  RT_T_CONST = 1,    /* data points into the model (read-only) */
  RT_T_VARIABLE = 2, /* persistent state, zeroed by init and runtime_reset */
  RT_T_EXTERNAL = 4, /* in the app's buffer (RUNTIME_INPUTS_EXTERNAL): data set by runtime_bind_input() */
  RT_T_ZERO_POINT_RANGE = 8, /* the model's zero point does not fit int16: the validator refuses the tensor */
};

/* 12 B a tensor on the board: only what eval needs. The quantization is in rt_quant() (prepare only). */
typedef struct rt_tensor {
  void *data;
  const int32_t *dims;  /* `rank` dims, in the model; NULL for a scalar */
  uint8_t rank;
  uint8_t type;         /* runtime_type_t */
  uint8_t flags;        /* RT_T_* */
  union {
    uint8_t external;   /* 1 + the subgraph-0 input whose app buffer holds this tensor (itself or an alias), else 0 */
    uint8_t fill;       /* a variable tensor: the byte init and runtime_reset fill it with (its int8 zero point) */
  };
} rt_tensor_t;

/* A tensor's quantization, read from the model by init into a table that lives at the arena's far end until
 * every kernel is prepared (so it costs no arena after init). */
typedef struct {
  const float *scales;  /* in the model (1 per tensor or 1 per channel); NULL if none */
  uint16_t num_scales;
  int16_t zero_point;   /* zero_point[0] (per-channel zero points must all be equal to it) */
} rt_quant_t;

typedef struct rt_node {
  const struct rt_kernel *kernel;
  const int32_t *inputs; /* tensor indices in the model; -1 marks an absent optional input */
  const int32_t *outputs;
  uint8_t n_inputs, n_outputs; /* init refuses an op with more than 255 of either */
  uint8_t subgraph;      /* the op's index in it is its offset in the subgraph's nodes (24 B a node) */
  uint8_t consts_in_data; /* set by prepare: eval reads no constant input through rt_input (rt_const_data) */
  union {                 /* one word per node of arena: each is needed only before the next */
    uint32_t scratch_bytes; /* requested in prepare */
    uintptr_t scratch_item; /* the planner's, while it plans */
    void *scratch;          /* valid during eval only */
  };
  void *data;             /* the kernel's op data, from rt_persistent() in prepare */
} rt_node_t;

typedef struct rt_interp rt_interp_t;

/* One entry of the op registry. prepare runs once in runtime_init: it checks types and shapes,
 * computes quantization parameters into op data and requests scratch; eval runs every invoke. */
typedef struct rt_kernel {
  const char *name;
  int32_t builtin;
  uint32_t flags; /* RT_K_* */
  int (*prepare)(rt_interp_t *rt, rt_node_t *node);
  int (*eval)(rt_interp_t *rt, rt_node_t *node);
  void (*reset)(rt_interp_t *rt, rt_node_t *node); /* optional: runtime_reset() calls it */
  /* Optional, after prepare: how many bytes below input 0's start output 0 may start, sharing its memory when
   * input 0 dies at this node (the planner then overlaps them); -1 if this node cannot share. */
  int32_t (*overlap)(const rt_node_t *node);
} rt_kernel_t;

enum {
  RT_K_ALIAS_IO = 1, /* output 0 may share input 0's memory (same bytes): RESHAPE and friends */
};

/* Builtin codes, from runtime_ops.def (the one place they are written): RT_BUILTIN_FULLY_CONNECTED = 9, ... */
#define RT_OP(op, code) RT_BUILTIN_##op = (code),
enum { RT_OPS_DEF_HEAD = -1, /* keeps the enum non-empty and its trailing comma legal */
#include "runtime_ops.def"
};
#undef RT_OP

/* A kernel's registry entry. Its builtin code is runtime_ops.def's; the `code` a kernel file still names is only
 * checked against it at compile time (a kernel for an op missing from runtime_ops.def does not build). */
#define RT_DEFINE_KERNEL(op, code, kflags, prep, ev) RT_DEFINE_KERNEL_WITH_RESET(op, code, kflags, prep, ev, 0)
#define RT_DEFINE_KERNEL_WITH_RESET(op, code, kflags, prep, ev, rst)                                      \
  _Static_assert((code) == RT_BUILTIN_##op, #op ": the builtin code differs from runtime_ops.def");     \
  const rt_kernel_t rt_kernel_##op = {#op, RT_BUILTIN_##op, kflags, prep, ev, rst, 0}
/* A kernel whose output may overlap its dying input (rt_kernel_t.overlap). */
#define RT_DEFINE_KERNEL_WITH_OVERLAP(op, code, kflags, prep, ev, ovl)                                     \
  _Static_assert((code) == RT_BUILTIN_##op, #op ": the builtin code differs from runtime_ops.def");     \
  const rt_kernel_t rt_kernel_##op = {#op, RT_BUILTIN_##op, kflags, prep, ev, 0, ovl}

/* A variant of op's kernel (runtime.h): registry entry rt_kernel_<op>_<variant>, named and coded as op. */
#define RT_DEFINE_VARIANT(op, variant, prep, ev) \
  const rt_kernel_t rt_kernel_##op##_##variant = {#op, RT_BUILTIN_##op, 0, prep, ev, 0, 0}

/* Tensors of a node; NULL for an absent optional one or an index past the end. */
rt_tensor_t *rt_input(rt_interp_t *rt, const rt_node_t *node, unsigned i);
rt_tensor_t *rt_output(rt_interp_t *rt, const rt_node_t *node, unsigned i);
rt_tensor_t *rt_tensor(rt_interp_t *rt, unsigned subgraph, int32_t index);

/* The quantization of tensor `t` (of this interpreter): valid in prepare only; all zero after init. */
const rt_quant_t *rt_quant(const rt_interp_t *rt, const rt_tensor_t *t);

/* Input i's data if it is a constant (in the model), else NULL: for op data. A kernel whose eval then reads its
 * constants only from op data sets node->consts_in_data, and init frees the tensor records of the constants
 * that only such ops read (rt_input returns NULL for them after init). */
const void *rt_const_data(rt_interp_t *rt, const rt_node_t *node, unsigned i);

/* Memory that lives as long as the interpreter (prepare only); NULL and an arena error when full. */
void *rt_persistent(rt_interp_t *rt, const rt_node_t *node, size_t bytes);
/* Scratch for eval: planned like a tensor that lives during this node only; node->scratch in eval. */
int rt_request_scratch(rt_interp_t *rt, rt_node_t *node, size_t bytes);

/* Builtin options of the node (field ids as in the TFLite schema's *Options table), in prepare only. */
int32_t rt_opt_i32(rt_interp_t *rt, const rt_node_t *node, unsigned id, int32_t def);
uint8_t rt_opt_u8(rt_interp_t *rt, const rt_node_t *node, unsigned id, uint8_t def);
float rt_opt_f32(rt_interp_t *rt, const rt_node_t *node, unsigned id, float def);
/* A vector option (e.g. ReshapeOptions.new_shape): its bytes in the model and element count; NULL if absent. */
const uint8_t *rt_opt_vector(rt_interp_t *rt, const rt_node_t *node, unsigned id, uint32_t elem_size, uint32_t *len);
/* A string option (e.g. VarHandleOptions.shared_name), NUL-terminated in the model; NULL if absent. */
const char *rt_opt_string(rt_interp_t *rt, const rt_node_t *node, unsigned id, uint32_t *len);

unsigned rt_subgraph_count(const rt_interp_t *rt);
/* The head of the interpreter's resource-variable list (VAR_HANDLE and friends, kernels/resource.h). */
void **rt_resources(rt_interp_t *rt);

/* Records "op <index> (<name>): <what><detail>" and returns `code`. */
int rt_fail(rt_interp_t *rt, const rt_node_t *node, int code, const char *what, const char *detail);
const char *rt_type_name(uint8_t type);
/* Runs subgraph `index` (CALL_ONCE, control flow). */
int rt_invoke_subgraph(rt_interp_t *rt, unsigned index);

/* Shape helpers. */
static inline int32_t rt_dim(const rt_tensor_t *t, int i) { return i < 0 ? t->dims[t->rank + i] : t->dims[i]; }
static inline uint32_t rt_elements(const rt_tensor_t *t) {
  uint32_t n = 1;
  for (unsigned i = 0; i < t->rank; i++) n *= (uint32_t)t->dims[i];
  return n;
}
/* Bytes of the tensor's data (element size x elements). */
uint32_t rt_bytes(const rt_tensor_t *t);

/* Checks common to most kernels; each returns 0 or an error already recorded. */
int rt_expect_type(rt_interp_t *rt, const rt_node_t *node, const rt_tensor_t *t, uint8_t type, const char *role);
int rt_expect_rank(rt_interp_t *rt, const rt_node_t *node, const rt_tensor_t *t, unsigned rank, const char *role);

/* TFLite enums used by options. */
enum { RT_PADDING_SAME = 0, RT_PADDING_VALID = 1 };
enum { RT_ACT_NONE = 0, RT_ACT_RELU = 1, RT_ACT_RELU_N1_TO_1 = 2, RT_ACT_RELU6 = 3, RT_ACT_TANH = 4 };

#endif

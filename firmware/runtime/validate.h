/* Graph validation at init, as a verifier does: runtime_init() calls rt_validate() after the tensors and
 * nodes are built and before any kernel's prepare runs, so nothing that follows (prepare, the planner,
 * invoke) sees a graph it would misread. Rules, each refused with RUNTIME_E_MODEL and a message naming the
 * tensor or op (docs/bad-input.md lists them with the tests that hold them):
 *  - every tensor's byte size, computed in 64 bits, is at most RT_MAX_TENSOR_BYTES;
 *  - quantization scales are finite and not negative; zero points fit the tensor's type;
 *  - every tensor an op reads is a subgraph input, a constant, a variable or the output of an earlier op
 *    (a read of a later op's output is a cycle in execution order);
 *  - no op writes a constant, and no tensor is written by two ops;
 *  - every subgraph output is an input, a constant, a variable or produced by some op. */
#ifndef HARK_RUNTIME_VALIDATE_H
#define HARK_RUNTIME_VALIDATE_H

#include "kernel.h"

/* The largest tensor the runtime accepts. 2^28 bytes keeps every size, and a kernel's products of a few
 * of them (e.g. 4 x batches x units of int32 scratch), inside 32 bits on Cortex-M. */
#define RT_MAX_TENSOR_BYTES (1u << 28)

/* A subgraph as the interpreter built it (interpreter.c fills it). */
typedef struct {
  rt_tensor_t *tensors;
  rt_node_t *nodes;
  const int32_t *inputs, *outputs;
  uint32_t n_tensors, n_nodes, n_inputs, n_outputs;
} rt_graph_t;

int rt_graph(rt_interp_t *rt, unsigned subgraph, rt_graph_t *out);
/* The tensor's name in the model ("" if it has none); at most `cap - 1` bytes, NUL-terminated. */
void rt_tensor_name(rt_interp_t *rt, unsigned subgraph, int32_t index, char *buf, uint32_t cap);

/* `bytes` of the arena past everything persistent, valid until the planner runs; NULL (and an arena error)
 * if they do not fit. */
void *rt_scratch_tail(rt_interp_t *rt, size_t bytes);

int rt_validate(rt_interp_t *rt);

#endif

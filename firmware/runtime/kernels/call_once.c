/* CALL_ONCE: runs the init subgraph on the first invoke (it assigns resource variables their initial
 * values). As in TFLM, runtime_reset() does not re-arm it: reset resource variables hold their fill
 * value (the zero point), which is what a zero-initialised state converts to. */
#include "kernel.h"

typedef struct {
  int32_t subgraph;
  int has_run;
} call_once_data_t;

static int prepare(rt_interp_t *rt, rt_node_t *node) {
  if (node->n_inputs || node->n_outputs) return rt_fail(rt, node, RUNTIME_E_MODEL, "CALL_ONCE has no tensors", "");
  int32_t index = rt_opt_i32(rt, node, 0, -1); /* CallOnceOptions.init_subgraph_index */
  /* Only from the main subgraph: other subgraphs share one planned region, so a nested call could
   * overwrite its caller's tensors. */
  if (node->subgraph != 0)
    return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "CALL_ONCE outside the main subgraph", "");
  if (index <= 0 || (unsigned)index >= rt_subgraph_count(rt))
    return rt_fail(rt, node, RUNTIME_E_MODEL, "CALL_ONCE names no valid init subgraph", "");
  call_once_data_t *d = rt_persistent(rt, node, sizeof *d);
  if (!d) return RUNTIME_E_ARENA;
  d->subgraph = index;
  node->data = d;
  return 0;
}

static int eval(rt_interp_t *rt, rt_node_t *node) {
  call_once_data_t *d = node->data;
  if (d->has_run) return 0;
  int rc = rt_invoke_subgraph(rt, (unsigned)d->subgraph);
  if (rc) return rc;
  d->has_run = 1;
  return 0;
}

RT_DEFINE_KERNEL(CALL_ONCE, 129, 0, prepare, eval);

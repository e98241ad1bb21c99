/* Resource variables (VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE): TFLM's MicroResourceVariables.
 *
 * A resource is named by (container, shared_name); every VAR_HANDLE with the same name, in any subgraph,
 * refers to the same buffer. The buffer lives in the arena's persistent part and is created when the
 * first ASSIGN_VARIABLE whose handle is already known is prepared (TFLM's order: subgraphs in order,
 * ops in order), sized by the value assigned and filled with that value's int8 zero point, which is
 * also what runtime_reset() restores. At invoke time a VAR_HANDLE writes its resource's id into its
 * output tensor and READ/ASSIGN look the id up, checking it and the byte count. */
#ifndef HARK_RUNTIME_KERNELS_RESOURCE_H
#define HARK_RUNTIME_KERNELS_RESOURCE_H

#include "kernel.h"

typedef struct rt_resource {
  struct rt_resource *next;
  const char *container; /* in the model; NULL when the model leaves it out */
  const char *name;
  void *data;            /* NULL until an ASSIGN_VARIABLE sizes it */
  uint32_t bytes;
  int32_t id;
  uint8_t fill;          /* the byte runtime_reset() writes (the int8 zero point of the value) */
} rt_resource_t;

/* Finds or creates the resource named (container, name); NULL (error recorded) when the arena is full. */
rt_resource_t *rt_resource_find_or_create(rt_interp_t *rt, const rt_node_t *node, const char *container,
                                          const char *name);
/* Records that `tensor` of `subgraph` holds the handle of `res` (VAR_HANDLE's output). */
int rt_resource_bind(rt_interp_t *rt, const rt_node_t *node, unsigned subgraph, int32_t tensor, rt_resource_t *res);
/* The resource bound to `tensor` of `subgraph` by an earlier-prepared VAR_HANDLE; NULL if none. */
rt_resource_t *rt_resource_bound(rt_interp_t *rt, unsigned subgraph, int32_t tensor);
/* The resource with this id (read from a handle tensor at invoke time); NULL if none. */
rt_resource_t *rt_resource_by_id(rt_interp_t *rt, int32_t id);
/* Checks that a handle tensor is one resource id (RESOURCE or INT32, one element). */
int rt_resource_check_handle(rt_interp_t *rt, const rt_node_t *node, const rt_tensor_t *t);
/* The resource a handle tensor names at invoke time, with a buffer of exactly `bytes`; NULL after
 * recording an error otherwise. */
rt_resource_t *rt_resource_for_eval(rt_interp_t *rt, const rt_node_t *node, const rt_tensor_t *handle,
                                    uint32_t bytes);

#endif

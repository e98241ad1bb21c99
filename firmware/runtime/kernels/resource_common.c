/* The resource-variable table shared by VAR_HANDLE, READ_VARIABLE and ASSIGN_VARIABLE (resource.h). */
#include <string.h>

#include "resource.h"

typedef struct rt_binding {
  struct rt_binding *next;
  rt_resource_t *res;
  int32_t tensor;
  uint8_t subgraph;
} rt_binding_t;

typedef struct {
  rt_resource_t *resources;
  rt_binding_t *bindings;
  int32_t count;
} rt_resource_table_t;

static rt_resource_table_t *table(rt_interp_t *rt, const rt_node_t *node, int create) {
  void **slot = rt_resources(rt);
  if (!*slot && create) *slot = rt_persistent(rt, node, sizeof(rt_resource_table_t));
  return *slot;
}

rt_resource_t *rt_resource_find_or_create(rt_interp_t *rt, const rt_node_t *node, const char *container,
                                          const char *name) {
  rt_resource_table_t *tab = table(rt, node, 1);
  if (!tab) return 0;
  for (rt_resource_t *r = tab->resources; r; r = r->next) {
    /* TFLM: a missing container matches any container. */
    int same_container = !container || (r->container && !strcmp(container, r->container));
    if (same_container && !strcmp(name, r->name)) return r;
  }
  rt_resource_t *r = rt_persistent(rt, node, sizeof *r);
  if (!r) return 0;
  r->container = container;
  r->name = name;
  r->id = tab->count++;
  /* Appended, so that ids follow creation order as in TFLM. */
  rt_resource_t **tail = &tab->resources;
  while (*tail) tail = &(*tail)->next;
  *tail = r;
  return r;
}

int rt_resource_bind(rt_interp_t *rt, const rt_node_t *node, unsigned subgraph, int32_t tensor, rt_resource_t *res) {
  rt_resource_table_t *tab = table(rt, node, 1);
  rt_binding_t *b = tab ? rt_persistent(rt, node, sizeof *b) : 0;
  if (!b) return RUNTIME_E_ARENA;
  b->res = res;
  b->tensor = tensor;
  b->subgraph = (uint8_t)subgraph;
  b->next = tab->bindings;
  tab->bindings = b;
  return 0;
}

rt_resource_t *rt_resource_bound(rt_interp_t *rt, unsigned subgraph, int32_t tensor) {
  rt_resource_table_t *tab = table(rt, 0, 0);
  for (rt_binding_t *b = tab ? tab->bindings : 0; b; b = b->next)
    if (b->subgraph == subgraph && b->tensor == tensor) return b->res;
  return 0;
}

rt_resource_t *rt_resource_by_id(rt_interp_t *rt, int32_t id) {
  rt_resource_table_t *tab = table(rt, 0, 0);
  for (rt_resource_t *r = tab ? tab->resources : 0; r; r = r->next)
    if (r->id == id) return r;
  return 0;
}

int rt_resource_check_handle(rt_interp_t *rt, const rt_node_t *node, const rt_tensor_t *t) {
  if (!t) return rt_fail(rt, node, RUNTIME_E_MODEL, "missing resource handle", "");
  if ((t->type != RUNTIME_RESOURCE && t->type != RUNTIME_INT32) || rt_bytes(t) != 4)
    return rt_fail(rt, node, RUNTIME_E_MODEL, "the resource handle must be one RESOURCE element", "");
  return 0;
}

rt_resource_t *rt_resource_for_eval(rt_interp_t *rt, const rt_node_t *node, const rt_tensor_t *handle,
                                    uint32_t bytes) {
  int32_t id;
  memcpy(&id, handle->data, sizeof id);
  rt_resource_t *r = rt_resource_by_id(rt, id);
  if (!r || !r->data) {
    rt_fail(rt, node, RUNTIME_E_EVAL, "no such resource variable (or never assigned)", "");
    return 0;
  }
  if (r->bytes != bytes) {
    rt_fail(rt, node, RUNTIME_E_EVAL, "resource variable size differs from the tensor", "");
    return 0;
  }
  return r;
}

/* The interpreter: builds tensors and nodes in the caller's arena, prepares every kernel, plans tensor
 * memory by lifetime, and runs the ops in order.
 *
 * Arena layout: [interp | subgraphs | tensors | nodes | op data ...][planned tensors + scratch][variables]
 * The persistent part grows from the start during init; the planned part follows it. At the far end of the
 * arena, during init only: every tensor's record and quantization (rt_quant) until the plan is made, then
 * only the records init keeps move into the persistent part; and below them the planner's workspace, dead
 * once offsets are assigned. The variable tensors (SVDF and LSTM state) are placed after the plan once it
 * is made, so in a tight arena they take those dead bytes: they are the bulk of a stateful model's arena,
 * and init's records and workspace then need no bytes of their own. */
#include <string.h>

#include "kernel.h"
#include "model.h"
#include "validate.h"

/* Every planned buffer and persistent block is aligned to a pointer's size: 4 bytes on Cortex-M (enough
 * for LDR/LDRD of any element type), 8 on 64-bit hosts (int64/double natural alignment). */
#define RT_ALIGN ((size_t)sizeof(void *))

typedef struct {
  rt_tensor_t *tensors;  /* until init ends, one per tensor; after, the kept records (see keep_records) */
  rt_node_t *nodes;
  const int32_t *inputs;
  const int32_t *outputs;
  const uint8_t *map;    /* tensor index -> its record, RT_NO_RECORD if none; NULL: one record per tensor */
  uint32_t n_tensors, n_nodes, n_inputs, n_outputs, n_records;
} rt_subgraph_t;

#define RT_NO_RECORD 0xFFu

struct rt_interp {
  fb_t fb;
  fb_table_t model;
  char *error; /* the owner's message buffer */
  uint32_t error_size;
  uint8_t *arena;
  size_t arena_size;
  size_t persistent; /* bytes used from the arena start */
  union {            /* one word for both: each is needed only while the other is not */
    size_t need;     /* during init: the most bytes any step of init has needed so far (note_need) */
    size_t planned;  /* after: bytes of the planned region and of the variables (see variables()) */
  };
  rt_subgraph_t *subgraphs;
  uint32_t n_subgraphs;
  const runtime_ops_t *ops;
  const runtime_profiler_t *profiler; /* the caller's, NULL when off */
  uint8_t ready; /* built, and every external input bound */
  uint8_t flags; /* runtime_init_ex's RUNTIME_* flags */
  void *resources; /* resource variables (kernels/resource.h) */
  rt_quant_t *quant; /* every subgraph's tensors' quantization, in order, at the arena's end: init only */
  uint32_t *options; /* after it, every node's builtin_options table position (0 if absent), in order */
  union {
    size_t held;      /* during init: bytes of both and of the records after them, held back from arena_size */
    size_t init_peak; /* after: runtime_arena_init_peak(), kept in this dead word so the figure costs no arena */
  };
};

/* ---- messages --------------------------------------------------------------------------------- */

static size_t put_str(char *buf, size_t pos, size_t size, const char *s) {
  while (s && *s && pos + 1 < size) buf[pos++] = *s++;
  buf[pos < size ? pos : size - 1] = 0;
  return pos;
}

static size_t put_u32(char *buf, size_t pos, size_t size, uint32_t v) {
  char tmp[11];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10u);
    v /= 10u;
  } while (v);
  char out[11];
  for (int i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
  out[n] = 0;
  return put_str(buf, pos, size, out);
}

static int set_error(char *buf, size_t size, int code, const char *a, const char *b, const char *c) {
  size_t p = put_str(buf, 0, size, a);
  p = put_str(buf, p, size, b);
  put_str(buf, p, size, c);
  return code;
}

/* Computed in 64 bits and saturated: rt_validate() refuses tensors over RT_MAX_TENSOR_BYTES before any
 * byte is planned, so a wrapped size can never under-allocate. */
uint32_t rt_bytes(const rt_tensor_t *t) {
  uint64_t n = (uint64_t)rt_type_size(t->type);
  for (unsigned i = 0; i < t->rank; i++) {
    n *= (uint64_t)(uint32_t)t->dims[i];
    if (n > 0xFFFFFFFFu) return 0xFFFFFFFFu;
  }
  return (uint32_t)n;
}

static const char *node_name(const rt_node_t *node) { return node->kernel ? node->kernel->name : "?"; }

int rt_fail(rt_interp_t *rt, const rt_node_t *node, int code, const char *what, const char *detail) {
  size_t p = 0;
  char *e = rt->error;
  size_t n = rt->error_size;
  if (node) {
    p = put_str(e, 0, n, "op ");
    p = put_u32(e, p, n, (uint32_t)(node - rt->subgraphs[node->subgraph].nodes));
    if (node->subgraph) {
      p = put_str(e, p, n, " of subgraph ");
      p = put_u32(e, p, n, node->subgraph);
    }
    p = put_str(e, p, n, " (");
    p = put_str(e, p, n, node_name(node));
    p = put_str(e, p, n, "): ");
  }
  p = put_str(e, p, n, what);
  put_str(e, p, n, detail);
  return code;
}

const char *rt_type_name(uint8_t type) {
  switch (type) {
    case RUNTIME_FLOAT32: return "FLOAT32";
    case RUNTIME_INT32: return "INT32";
    case RUNTIME_UINT8: return "UINT8";
    case RUNTIME_INT64: return "INT64";
    case RUNTIME_BOOL: return "BOOL";
    case RUNTIME_INT16: return "INT16";
    case RUNTIME_INT8: return "INT8";
    case RUNTIME_RESOURCE: return "RESOURCE";
    default: return "an unsupported type";
  }
}

int rt_expect_type(rt_interp_t *rt, const rt_node_t *node, const rt_tensor_t *t, uint8_t type, const char *role) {
  if (!t) return rt_fail(rt, node, RUNTIME_E_MODEL, "missing tensor: ", role);
  if (t->type == type) return 0;
  char msg[48];
  size_t p = put_str(msg, 0, sizeof msg, role);
  p = put_str(msg, p, sizeof msg, " type ");
  put_str(msg, p, sizeof msg, rt_type_name(t->type));
  return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "unsupported ", msg);
}

int rt_expect_rank(rt_interp_t *rt, const rt_node_t *node, const rt_tensor_t *t, unsigned rank, const char *role) {
  if (!t) return rt_fail(rt, node, RUNTIME_E_MODEL, "missing tensor: ", role);
  if (t->rank == rank) return 0;
  return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "unsupported rank of ", role);
}

/* ---- arena ------------------------------------------------------------------------------------- */

static size_t align_up(size_t v) { return (v + RT_ALIGN - 1u) & ~(size_t)(RT_ALIGN - 1u); }

/* Every step of init that takes arena checks `end <= arena_size` (its bytes from the arena start) while the
 * `held` bytes above arena_size are in use too: end + held is what it needs of the (aligned) arena. Noted
 * before the check, so the peak is the same whatever the arena's size. Only a successful init reports it, and
 * there every check passed, so no sum here can have wrapped. */
static void note_need(rt_interp_t *rt, size_t end) {
  if (end + rt->held > rt->need) rt->need = end + rt->held;
}

static void *bump(rt_interp_t *rt, size_t bytes) {
  size_t start = align_up(rt->persistent);
  note_need(rt, start + bytes);
  if (bytes > rt->arena_size || start > rt->arena_size - bytes) return 0;
  rt->persistent = start + bytes;
  memset(rt->arena + start, 0, bytes);
  return rt->arena + start;
}

static int arena_error(rt_interp_t *rt, size_t needed_more) {
  char num[12];
  put_u32(num, 0, sizeof num, (uint32_t)(rt->arena_size + rt->held + needed_more));
  return set_error(rt->error, rt->error_size, RUNTIME_E_ARENA, "arena too small: at least ", num,
                   " bytes needed");
}

void *rt_persistent(rt_interp_t *rt, const rt_node_t *node, size_t bytes) {
  void *p = bump(rt, bytes);
  if (!p) {
    if (node) rt_fail(rt, node, RUNTIME_E_ARENA, "arena too small for op data", "");
    else arena_error(rt, bytes);
  }
  return p;
}

int rt_request_scratch(rt_interp_t *rt, rt_node_t *node, size_t bytes) {
  (void)rt;
  if (bytes > 0x7FFFFFFFu) return rt_fail(rt, node, RUNTIME_E_ARENA, "scratch too large", "");
  node->scratch_bytes = (uint32_t)bytes;
  return 0;
}

/* ---- accessors for kernels ----------------------------------------------------------------------- */

static rt_tensor_t *record(const rt_subgraph_t *sg, int32_t index) {
  uint32_t k = (uint32_t)index; /* -1 (an absent input) wraps past n_tensors */
  if (k >= sg->n_tensors) return 0;
  if (sg->map && (k = sg->map[k]) == RT_NO_RECORD) return 0;
  return &sg->tensors[k];
}

rt_tensor_t *rt_tensor(rt_interp_t *rt, unsigned subgraph, int32_t index) {
  return subgraph < rt->n_subgraphs ? record(&rt->subgraphs[subgraph], index) : 0;
}

const void *rt_const_data(rt_interp_t *rt, const rt_node_t *node, unsigned i) {
  const rt_tensor_t *t = rt_input(rt, node, i);
  return t && (t->flags & RT_T_CONST) ? t->data : 0;
}

rt_tensor_t *rt_input(rt_interp_t *rt, const rt_node_t *node, unsigned i) {
  return i < node->n_inputs ? rt_tensor(rt, node->subgraph, node->inputs[i]) : 0;
}
rt_tensor_t *rt_output(rt_interp_t *rt, const rt_node_t *node, unsigned i) {
  return i < node->n_outputs ? rt_tensor(rt, node->subgraph, node->outputs[i]) : 0;
}

/* The options table is re-validated on every read (prepare only), so init keeps just its position. */
static fb_table_t options_of(rt_interp_t *rt, const rt_node_t *node) {
  fb_table_t none = {0, 0, 0, 0};
  uint32_t first = 0;
  for (uint32_t s = 0; rt->options && s < node->subgraph; s++) first += rt->subgraphs[s].n_nodes;
  uint32_t pos = rt->options ? rt->options[first + (uint32_t)(node - rt->subgraphs[node->subgraph].nodes)] : 0;
  return pos ? fb_table_at(&rt->fb, pos) : none;
}
int32_t rt_opt_i32(rt_interp_t *rt, const rt_node_t *node, unsigned id, int32_t def) {
  fb_table_t t = options_of(rt, node);
  int32_t v = fb_i32(&rt->fb, &t, id, def);
  return rt->fb.err ? def : v;
}
uint8_t rt_opt_u8(rt_interp_t *rt, const rt_node_t *node, unsigned id, uint8_t def) {
  fb_table_t t = options_of(rt, node);
  uint8_t v = fb_u8(&rt->fb, &t, id, def);
  return rt->fb.err ? def : v;
}
float rt_opt_f32(rt_interp_t *rt, const rt_node_t *node, unsigned id, float def) {
  fb_table_t t = options_of(rt, node);
  float v = fb_f32(&rt->fb, &t, id, def);
  return rt->fb.err ? def : v;
}
const uint8_t *rt_opt_vector(rt_interp_t *rt, const rt_node_t *node, unsigned id, uint32_t elem_size, uint32_t *len) {
  fb_table_t t = options_of(rt, node);
  fb_vec_t v = fb_vector(&rt->fb, &t, id, elem_size);
  *len = rt->fb.err ? 0 : v.len;
  return rt->fb.err || !v.len ? 0 : rt->fb.buf + v.pos;
}
const char *rt_opt_string(rt_interp_t *rt, const rt_node_t *node, unsigned id, uint32_t *len) {
  fb_table_t t = options_of(rt, node);
  const char *s = fb_string(&rt->fb, &t, id, len);
  return rt->fb.err ? 0 : s;
}

unsigned rt_subgraph_count(const rt_interp_t *rt) { return rt->n_subgraphs; }

const rt_quant_t *rt_quant(const rt_interp_t *rt, const rt_tensor_t *t) {
  static const rt_quant_t none = {0, 0, 0};
  uint32_t base = 0;
  for (uint32_t s = 0; rt->quant && s < rt->n_subgraphs; s++) {
    const rt_subgraph_t *sg = &rt->subgraphs[s];
    if (t >= sg->tensors && t < sg->tensors + sg->n_tensors) return &rt->quant[base + (uint32_t)(t - sg->tensors)];
    base += sg->n_tensors;
  }
  return &none;
}

/* ---- views for the validator (validate.c) ---------------------------------------------------------- */

int rt_graph(rt_interp_t *rt, unsigned subgraph, rt_graph_t *out) {
  if (subgraph >= rt->n_subgraphs) return RUNTIME_E_ARG;
  const rt_subgraph_t *sg = &rt->subgraphs[subgraph];
  *out = (rt_graph_t){sg->tensors, sg->nodes, sg->inputs, sg->outputs,
                      sg->n_tensors, sg->n_nodes, sg->n_inputs, sg->n_outputs};
  return RUNTIME_OK;
}

void rt_tensor_name(rt_interp_t *rt, unsigned subgraph, int32_t index, char *buf, uint32_t cap) {
  buf[0] = 0;
  fb_t fb = rt->fb; /* a copy: a lookup error here must not poison the interpreter's reader */
  fb_vec_t sgs = fb_vector(&fb, &rt->model, RT_MODEL_SUBGRAPHS, 4);
  if (fb.err || subgraph >= sgs.len) return;
  fb_table_t s = fb_vec_table(&fb, sgs, subgraph);
  fb_vec_t tensors = fb_vector(&fb, &s, RT_SUBGRAPH_TENSORS, 4);
  if (fb.err || index < 0 || (uint32_t)index >= tensors.len) return;
  fb_table_t t = fb_vec_table(&fb, tensors, (uint32_t)index);
  uint32_t len = 0;
  const char *name = fb_string(&fb, &t, RT_TENSOR_NAME, &len);
  if (fb.err || !name) return;
  if (len >= cap) len = cap - 1u;
  memcpy(buf, name, len);
  buf[len] = 0;
}

void *rt_scratch_tail(rt_interp_t *rt, size_t bytes) {
  size_t base = align_up(rt->persistent);
  bytes += 8u; /* room to round the start down to 8 bytes */
  note_need(rt, base + bytes);
  if (base > rt->arena_size || bytes > rt->arena_size - base) {
    arena_error(rt, bytes - (base > rt->arena_size ? 0 : rt->arena_size - base));
    return 0;
  }
  return rt->arena + ((rt->arena_size - bytes) & ~(size_t)7u);
}
void **rt_resources(rt_interp_t *rt) { return &rt->resources; }

/* ---- building ---------------------------------------------------------------------------------------- */

static const rt_kernel_t *find_kernel(const runtime_ops_t *ops, int32_t builtin) {
  for (uint32_t i = 0; i < ops->count; i++)
    if (ops->kernels[i] && ops->kernels[i]->builtin == builtin) return ops->kernels[i];
  return 0;
}

/* A tensor table's quantization; 1 if its zero point is out of int16's range (no type allows it). */
static int read_quant(fb_t *fb, const fb_table_t *ft, rt_quant_t *out) {
  fb_table_t q = fb_sub(fb, ft, RT_TENSOR_QUANTIZATION);
  memset(out, 0, sizeof *out);
  if (!q.pos) return 0;
  fb_vec_t scale = fb_vector(fb, &q, RT_QUANT_SCALE, 4);
  fb_vec_t zp = fb_vector(fb, &q, RT_QUANT_ZERO_POINT, 8);
  if (scale.len) {
    out->scales = (const float *)(const void *)(fb->buf + scale.pos);
    out->num_scales = (uint16_t)scale.len;
  }
  if (zp.len) {
    int64_t z;
    memcpy(&z, fb->buf + zp.pos, 8);
    if (z < INT32_MIN || z > INT32_MAX) fb->err = 1;
    else if (z < INT16_MIN || z > INT16_MAX) return 1;
    else out->zero_point = (int16_t)z;
  }
  return 0;
}

static int build_tensor(rt_interp_t *rt, rt_tensor_t *t, rt_quant_t *q, const fb_table_t *ft) {
  fb_t *fb = &rt->fb;
  fb_vec_t shape = fb_vector(fb, ft, RT_TENSOR_SHAPE, 4);
  t->type = fb_u8(fb, ft, RT_TENSOR_TYPE, 0);
  t->rank = (uint8_t)shape.len;
  t->dims = fb_vec_i32(fb, shape);
  if (read_quant(fb, ft, q)) t->flags |= RT_T_ZERO_POINT_RANGE;
  if (fb->err) return RUNTIME_E_MODEL;
  const uint8_t *data;
  uint32_t len;
  if (rt_buffer_data(fb, &rt->model, fb_u32(fb, ft, RT_TENSOR_BUFFER, 0), &data, &len)) return RUNTIME_E_MODEL;
  if (len) {
    t->data = (void *)(uintptr_t)data; /* kernels never write a const tensor */
    t->flags |= RT_T_CONST;
  } else if (fb_u8(fb, ft, RT_TENSOR_IS_VARIABLE, 0)) {
    t->flags |= RT_T_VARIABLE;
    /* TFLM's ResetVariableTensors: int8 state starts at its zero point (the quantized 0.0), others at 0. */
    t->fill = t->type == RUNTIME_INT8 ? (uint8_t)(int8_t)q->zero_point : 0;
  }
  return fb->err ? RUNTIME_E_MODEL : RUNTIME_OK;
}

static int32_t opcode_builtin(rt_interp_t *rt, uint32_t opcode_index) {
  fb_vec_t codes = fb_vector(&rt->fb, &rt->model, RT_MODEL_OPERATOR_CODES, 4);
  fb_table_t c = fb_vec_table(&rt->fb, codes, opcode_index);
  int32_t deprecated = fb_u8(&rt->fb, &c, RT_OPCODE_DEPRECATED_BUILTIN, 0);
  int32_t code = fb_i32(&rt->fb, &c, RT_OPCODE_BUILTIN, 0);
  /* Old models only fill the deprecated byte; new ones put 127 there for codes above 126. */
  return code > deprecated ? code : deprecated;
}

static int build_subgraph(rt_interp_t *rt, unsigned index, rt_tensor_t *records, rt_quant_t *quant,
                          uint32_t *options) {
  fb_t *fb = &rt->fb;
  rt_subgraph_t *sg = &rt->subgraphs[index];
  fb_vec_t sgs = fb_vector(fb, &rt->model, RT_MODEL_SUBGRAPHS, 4);
  fb_table_t s = fb_vec_table(fb, sgs, index);
  fb_vec_t tensors = fb_vector(fb, &s, RT_SUBGRAPH_TENSORS, 4);
  fb_vec_t ops = fb_vector(fb, &s, RT_SUBGRAPH_OPERATORS, 4);
  fb_vec_t in = fb_vector(fb, &s, RT_SUBGRAPH_INPUTS, 4);
  fb_vec_t out = fb_vector(fb, &s, RT_SUBGRAPH_OUTPUTS, 4);
  if (fb->err) return set_error(rt->error, rt->error_size, RUNTIME_E_MODEL, "corrupt subgraph", "", "");
  sg->n_tensors = tensors.len;
  sg->n_nodes = ops.len;
  sg->inputs = fb_vec_i32(fb, in);
  sg->n_inputs = in.len;
  sg->outputs = fb_vec_i32(fb, out);
  sg->n_outputs = out.len;
  sg->tensors = records;
  sg->n_records = tensors.len;
  memset(records, 0, sizeof(rt_tensor_t) * tensors.len);
  sg->nodes = rt_persistent(rt, 0, sizeof(rt_node_t) * (ops.len ? ops.len : 1));
  if (!sg->nodes) return RUNTIME_E_ARENA;
  for (uint32_t i = 0; i < tensors.len; i++) {
    fb_table_t ft = fb_vec_table(fb, tensors, i);
    rt_tensor_t *t = &sg->tensors[i];
    if (build_tensor(rt, t, &quant[i], &ft))
      return set_error(rt->error, rt->error_size, RUNTIME_E_MODEL, "corrupt tensor", "", "");
    /* A variable's bytes are placed after the plan (variables()): until then they may hold init's own
     * records and workspace. No kernel reads a variable's data in prepare. */
    if ((t->flags & RT_T_VARIABLE) && rt_bytes(t) > RT_MAX_TENSOR_BYTES)
      return set_error(rt->error, rt->error_size, RUNTIME_E_MODEL, "variable tensor larger than 256 MB", "", "");
  }
  for (uint32_t i = 0; i < ops.len; i++) {
    fb_table_t op = fb_vec_table(fb, ops, i);
    rt_node_t *node = &sg->nodes[i];
    fb_vec_t oin = fb_vector(fb, &op, RT_OP_INPUTS, 4);
    fb_vec_t oout = fb_vector(fb, &op, RT_OP_OUTPUTS, 4);
    node->inputs = fb_vec_i32(fb, oin);
    node->n_inputs = (uint8_t)oin.len;
    node->outputs = fb_vec_i32(fb, oout);
    node->n_outputs = (uint8_t)oout.len;
    node->subgraph = (uint8_t)index;
    options[i] = fb_sub(fb, &op, RT_OP_OPTIONS).pos;
    int32_t builtin = opcode_builtin(rt, fb_u32(fb, &op, RT_OP_OPCODE_INDEX, 0));
    if (fb->err) return set_error(rt->error, rt->error_size, RUNTIME_E_MODEL, "corrupt operator", "", "");
    node->kernel = find_kernel(rt->ops, builtin);
    if (!node->kernel) {
      size_t p = put_str(rt->error, 0, rt->error_size, "op ");
      p = put_u32(rt->error, p, rt->error_size, i);
      if (index) {
        p = put_str(rt->error, p, rt->error_size, " of subgraph ");
        p = put_u32(rt->error, p, rt->error_size, index);
      }
      p = put_str(rt->error, p, rt->error_size, " (");
      if (builtin == 32 || rt->ops->builtin_name) {
        p = put_str(rt->error, p, rt->error_size, builtin == 32 ? "CUSTOM" : rt->ops->builtin_name(builtin));
        p = put_str(rt->error, p, rt->error_size, ", ");
      }
      p = put_str(rt->error, p, rt->error_size, "builtin code ");
      p = put_u32(rt->error, p, rt->error_size, (uint32_t)builtin);
      put_str(rt->error, p, rt->error_size, "): unsupported op");
      return RUNTIME_E_UNSUPPORTED;
    }
    if (oin.len > 255u || oout.len > 255u)
      return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "more than 255 inputs or outputs", "");
    /* Every tensor an op touches must have a size the runtime can hold. */
    for (unsigned k = 0; k < node->n_inputs + node->n_outputs; k++) {
      int32_t ti = k < node->n_inputs ? node->inputs[k] : node->outputs[k - node->n_inputs];
      if (ti >= 0 && !rt_type_size(sg->tensors[ti].type))
        return rt_fail(rt, node, RUNTIME_E_UNSUPPORTED, "unsupported tensor type ",
                       rt_type_name(sg->tensors[ti].type));
    }
  }
  return RUNTIME_OK;
}

/* ---- planning ------------------------------------------------------------------------------------------ */

typedef struct {
  uint32_t size;
  uint32_t offset;
  int32_t first, last;
  uint8_t region; /* 0: subgraph 0; 1: every other subgraph (may run nested inside subgraph 0's ops); 2: a member */
  uint8_t placed;
  uint8_t chained; /* the head of a chain with members */
  uint16_t head;  /* the item whose block holds this one: itself, or the head of its overlap chain */
  int32_t rel;    /* offset in the head's block, relative to the head's own start (negative below it) */
  int32_t lo, hi; /* a head's block: its members' lowest start and highest end, relative to its start */
} plan_item_t;

static int overlaps(const plan_item_t *a, const plan_item_t *b) {
  return a->region == b->region && a->first <= b->last && b->first <= a->last;
}

/* Greedy by size, first fit by offset: the strategy of TFLM's GreedyMemoryPlanner. Offsets are summed in
 * 64 bits: a plan past 4 GB returns UINT64_MAX (an arena error), never a wrapped offset. A chain (see
 * chain_overlaps) is placed whole, by its span, at the lowest offset where none of its members meets a placed
 * item; its members then stand as items of their own, so later items fill the chain's bytes each member leaves
 * free while it is dead. */
static uint64_t aligned_end(const plan_item_t *p) {
  return ((uint64_t)p->offset + p->size + RT_ALIGN - 1u) & ~(uint64_t)(RT_ALIGN - 1u);
}

static uint32_t span(const plan_item_t *p) { return (uint32_t)(p->hi - p->lo); }

static void insert_placed(plan_item_t *items, uint16_t *placed, uint32_t *n_placed, uint16_t k) {
  uint32_t pos = *n_placed; /* keep `placed` sorted by offset */
  while (pos > 0 && items[placed[pos - 1]].offset > items[k].offset) {
    placed[pos] = placed[pos - 1];
    pos--;
  }
  placed[pos] = k;
  (*n_placed)++;
  items[k].placed = 1;
}

/* The lowest base at which chain `h`'s members meet no placed item; passes are capped (a hostile model's
 * long chains must not make init quadratic many times over): past the cap, above every placed item. */
static uint64_t chain_base(const plan_item_t *items, uint32_t n, uint16_t h, const uint16_t *placed,
                           uint32_t n_placed) {
  uint64_t base = 0;
  for (int pass = 0; pass < 4; pass++) {
    int moved = 0;
    for (uint32_t k = 0; k < n; k++) {
      if (items[k].head != h) continue;
      plan_item_t m = items[k];
      m.region = items[h].region;
      for (uint32_t j = 0; j < n_placed; j++) {
        const plan_item_t *p = &items[placed[j]];
        uint64_t at = base + (uint64_t)(int64_t)(m.rel - items[h].lo);
        if (!overlaps(p, &m) || p->offset >= at + m.size || aligned_end(p) <= at) continue;
        base = aligned_end(p) - (uint64_t)(int64_t)(m.rel - items[h].lo);
        moved = 1;
      }
    }
    if (!moved) return base;
  }
  uint64_t top = 0;
  for (uint32_t j = 0; j < n_placed; j++)
    if (items[placed[j]].region == items[h].region && aligned_end(&items[placed[j]]) > top) top = aligned_end(&items[placed[j]]);
  return top;
}

static uint64_t plan_offsets(plan_item_t *items, uint32_t n, uint16_t *order, uint16_t *placed) {
  for (uint32_t i = 0; i < n; i++) order[i] = (uint16_t)i;
  for (uint32_t i = 1; i < n; i++) { /* insertion sort by size (a chain: its span), descending, stable */
    uint16_t k = order[i];
    uint32_t j = i;
    while (j > 0 && span(&items[order[j - 1]]) < span(&items[k])) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = k;
  }
  uint32_t n_placed = 0;
  uint64_t peak[2] = {0, 0};
  for (uint32_t i = 0; i < n; i++) {
    plan_item_t *it = &items[order[i]];
    if (it->placed || it->region > 1) continue; /* a chain member: placed with its head */
    if (it->chained) {
      uint64_t base = chain_base(items, n, order[i], placed, n_placed);
      if (base + span(it) > 0xFFFFFFFFu) return UINT64_MAX;
      for (uint32_t k = 0; k < n; k++) {
        if (items[k].head != order[i]) continue;
        items[k].offset = (uint32_t)(base + (uint64_t)(int64_t)(items[k].rel - it->lo));
        items[k].region = it->region;
        insert_placed(items, placed, &n_placed, (uint16_t)k);
      }
      if (base + span(it) > peak[it->region]) peak[it->region] = (base + span(it) + RT_ALIGN - 1u) & ~(uint64_t)(RT_ALIGN - 1u);
      continue;
    }
    uint64_t candidate = 0;
    for (uint32_t j = 0; j < n_placed; j++) {
      const plan_item_t *p = &items[placed[j]];
      if (!overlaps(p, it)) continue;
      if (p->offset >= candidate + it->size) break;
      if (aligned_end(p) > candidate) candidate = aligned_end(p);
    }
    if (candidate > 0xFFFFFFFFu) return UINT64_MAX;
    it->offset = (uint32_t)candidate;
    insert_placed(items, placed, &n_placed, order[i]);
    uint64_t end = (candidate + it->size + RT_ALIGN - 1u) & ~(uint64_t)(RT_ALIGN - 1u);
    if (end > peak[it->region]) peak[it->region] = end;
  }
  if (peak[0] + peak[1] > 0xFFFFFFFFu) return UINT64_MAX;
  for (uint32_t i = 0; i < n; i++)
    if (items[i].region == 1) items[i].offset += (uint32_t)peak[0];
  return peak[0] + peak[1];
}

static int32_t root_of(const int16_t *alias, int32_t t) {
  while (alias[t] >= 0) t = alias[t];
  return t;
}

static void new_item(plan_item_t *items, uint32_t *n_items, uint32_t size, int32_t when, uint32_t s) {
  plan_item_t *n = &items[*n_items];
  n->size = size;
  n->first = n->last = when;
  n->region = s ? 1 : 0;
  n->placed = n->chained = 0;
  n->head = (uint16_t)*n_items;
  n->rel = n->lo = 0;
  n->hi = (int32_t)size; /* a tensor's size is at most RT_MAX_TENSOR_BYTES; scratch is checked below */
  (*n_items)++;
}

static int is_graph_io(const rt_subgraph_t *sg, int32_t t) {
  for (uint32_t k = 0; k < sg->n_inputs; k++)
    if (sg->inputs[k] == t) return 1;
  for (uint32_t k = 0; k < sg->n_outputs; k++)
    if (sg->outputs[k] == t) return 1;
  return 0;
}

/* Outputs that may overlap their dying input (rt_kernel_t.overlap) join its chain: each output `overlap` bytes
 * (or more) below its input, in one block placed whole. Only a member and its successor are alive at once (one
 * joins as the other dies), so each keeps its own lifetime and the planner fills the bytes a dead member leaves. */
static void chain_overlaps(const rt_subgraph_t *sg, const int16_t *al, const int32_t *ti, plan_item_t *items,
                           uint32_t n_items, int32_t time_base) {
  for (uint32_t i = 0; i < sg->n_nodes; i++) {
    const rt_node_t *node = &sg->nodes[i];
    if (!node->kernel->overlap || node->n_inputs < 1 || node->n_outputs < 1 || node->inputs[0] < 0) continue;
    int32_t a = root_of(al, node->inputs[0]), b = root_of(al, node->outputs[0]), now = time_base + (int32_t)i;
    if (a == b || ti[a] < 0 || ti[b] < 0 || is_graph_io(sg, a)) continue;
    plan_item_t *in = &items[ti[a]], *out = &items[ti[b]], *head = &items[in->head];
    if (in->last != now || out->first != now || out->head != (uint16_t)ti[b]) continue;
    int32_t shift = node->kernel->overlap(node);
    if (shift < 0) continue;
    int64_t rel = in->rel - (int64_t)(((uint64_t)shift + RT_ALIGN - 1u) & ~(uint64_t)(RT_ALIGN - 1u));
    int64_t lo = rel < head->lo ? rel : head->lo;
    int64_t hi = rel + (int64_t)out->size > head->hi ? rel + (int64_t)out->size : head->hi;
    if (hi - lo > (int64_t)RT_MAX_TENSOR_BYTES) continue; /* and so every value below fits 32 bits */
    out->rel = (int32_t)rel;
    out->head = in->head;
    out->region = 2;
    head->lo = (int32_t)lo;
    head->hi = (int32_t)hi;
    head->chained = 1;
  }
  /* A chained node's scratch fits in its chain if the bytes above its input or below its output are free
   * then: above are the members before it, below the ones after it. Where neither side is wide enough, the
   * members after it move down by what is missing below: the chain grows by less than the scratch. */
  for (uint32_t i = 0; i < sg->n_nodes; i++) {
    const rt_node_t *node = &sg->nodes[i];
    if (!node->scratch_item || !node->kernel->overlap || node->n_inputs < 1 || node->n_outputs < 1 ||
        node->inputs[0] < 0)
      continue;
    int32_t a = root_of(al, node->inputs[0]), b = root_of(al, node->outputs[0]), now = time_base + (int32_t)i;
    if (a == b || ti[a] < 0 || ti[b] < 0) continue;
    const plan_item_t *in = &items[ti[a]], *out = &items[ti[b]];
    if (out->head == (uint16_t)ti[b] || out->head != in->head) continue; /* its output did not join here */
    uint16_t h = in->head;
    int64_t need = (int64_t)((items[node->scratch_item - 1u].size + RT_ALIGN - 1u) & ~(uint32_t)(RT_ALIGN - 1u));
    int64_t in_end = (int64_t)in->rel + in->size, out_end = (int64_t)out->rel + out->size;
    int64_t above = items[h].hi - (in_end > out_end ? in_end : out_end), below = (int64_t)out->rel - items[h].lo;
    if (above >= need || below >= need) continue;
    int64_t more = need - below;
    if (items[h].hi - (items[h].lo - more) > (int64_t)RT_MAX_TENSOR_BYTES) continue;
    for (uint32_t k = 0; k < n_items; k++)
      if (items[k].head == h && k != h && items[k].first > now) items[k].rel -= (int32_t)more;
    items[h].lo -= (int32_t)more;
  }
}

/* Extends the lifetime of tensor `index` (through its alias root) to cover time `when`. */
static void touch(const rt_subgraph_t *sg, const int16_t *al, int32_t *ti, plan_item_t *items, uint32_t *n_items,
                  uint32_t s, int32_t index, int32_t when) {
  int32_t r = root_of(al, index);
  const rt_tensor_t *t = &sg->tensors[r];
  if (t->flags & (RT_T_CONST | RT_T_VARIABLE | RT_T_EXTERNAL)) return;
  if (ti[r] < 0) {
    ti[r] = (int32_t)*n_items;
    new_item(items, n_items, rt_bytes(t), when, s);
  } else {
    plan_item_t *n = &items[ti[r]];
    if (when < n->first) n->first = when;
    if (when > n->last) n->last = when;
  }
}

static int plan_memory(rt_interp_t *rt, size_t tail, size_t *planned) {
  /* Count the items: one per tensor of each subgraph and one per node with scratch. */
  uint32_t n_tensors = 0, n_nodes = 0;
  for (uint32_t s = 0; s < rt->n_subgraphs; s++) {
    n_tensors += rt->subgraphs[s].n_tensors;
    n_nodes += rt->subgraphs[s].n_nodes;
  }
  uint32_t n_max = n_tensors + n_nodes;
  if (n_max > 0xFFFFu) return set_error(rt->error, rt->error_size, RUNTIME_E_UNSUPPORTED, "model too large", "", "");
  size_t work = sizeof(plan_item_t) * n_max + sizeof(int32_t) * n_tensors + sizeof(int16_t) * n_tensors +
                sizeof(uint16_t) * 2u * n_max + 16u;
  size_t base = align_up(rt->persistent);
  note_need(rt, base + work);
  if (base > rt->arena_size || work > rt->arena_size - base) return arena_error(rt, work - (rt->arena_size - base));
  uint8_t *w = rt->arena + ((rt->arena_size - work) & ~(size_t)7u);
  plan_item_t *items = (plan_item_t *)(void *)w;
  int32_t *item_of = (int32_t *)(void *)(items + n_max); /* tensor -> item, -1 none */
  int16_t *alias = (int16_t *)(void *)(item_of + n_tensors);
  uint16_t *order = (uint16_t *)(void *)(alias + n_tensors);
  uint16_t *placed = order + n_max;

  uint32_t n_items = 0, tensor_base = 0;
  int32_t time_base = 0;
  for (uint32_t s = 0; s < rt->n_subgraphs; s++) {
    rt_subgraph_t *sg = &rt->subgraphs[s];
    int32_t *ti = item_of + tensor_base;
    int16_t *al = alias + tensor_base;
    for (uint32_t t = 0; t < sg->n_tensors; t++) {
      ti[t] = -1;
      al[t] = -1;
    }
    /* Alias outputs of copy-only ops onto their inputs: the bytes are identical. */
    for (uint32_t i = 0; i < sg->n_nodes; i++) {
      rt_node_t *node = &sg->nodes[i];
      if (!(node->kernel->flags & RT_K_ALIAS_IO) || node->n_inputs < 1 || node->n_outputs < 1) continue;
      int32_t a = node->inputs[0], b = node->outputs[0];
      if (a < 0 || a == b) continue;
      rt_tensor_t *ta = &sg->tensors[a], *tb = &sg->tensors[b];
      int is_input = 0;
      for (uint32_t k = 0; k < sg->n_inputs; k++) is_input |= sg->inputs[k] == b;
      if (ta->flags || tb->flags || rt_bytes(ta) != rt_bytes(tb) || is_input || al[b] >= 0) continue;
      if (root_of(al, a) == b) continue;
      al[b] = (int16_t)root_of(al, a);
    }
    /* The app's buffers hold subgraph 0's inputs (and, through the aliases above, e.g. a RESHAPE of one). */
    if (s == 0 && (rt->flags & RUNTIME_INPUTS_EXTERNAL))
      for (uint32_t k = 0; k < sg->n_inputs; k++) {
        rt_tensor_t *t = &sg->tensors[sg->inputs[k]];
        if (!(t->flags & (RT_T_CONST | RT_T_VARIABLE))) t->flags |= RT_T_EXTERNAL;
      }
    /* The runtime only reads the app's buffers: an op that writes an input (legal, but no converter emits it)
     * is refused in this mode. */
    for (uint32_t i = 0; s == 0 && i < sg->n_nodes; i++)
      for (uint32_t k = 0; k < sg->nodes[i].n_outputs; k++)
        if (sg->tensors[sg->nodes[i].outputs[k]].flags & RT_T_EXTERNAL)
          return rt_fail(rt, &sg->nodes[i], RUNTIME_E_UNSUPPORTED, "writes a model input, which ",
                         "RUNTIME_INPUTS_EXTERNAL keeps in the app's buffer");
    /* Lifetimes, on a timeline where op i of this subgraph is time time_base + i. */
    int32_t end = time_base + (int32_t)(sg->n_nodes ? sg->n_nodes - 1 : 0);
    for (uint32_t k = 0; k < sg->n_inputs; k++) touch(sg, al, ti, items, &n_items, s, sg->inputs[k], time_base);
    for (uint32_t i = 0; i < sg->n_nodes; i++) {
      rt_node_t *node = &sg->nodes[i];
      int32_t now = time_base + (int32_t)i;
      for (uint32_t k = 0; k < node->n_inputs; k++)
        if (node->inputs[k] >= 0) touch(sg, al, ti, items, &n_items, s, node->inputs[k], now);
      for (uint32_t k = 0; k < node->n_outputs; k++) touch(sg, al, ti, items, &n_items, s, node->outputs[k], now);
    }
    for (uint32_t k = 0; k < sg->n_outputs; k++) touch(sg, al, ti, items, &n_items, s, sg->outputs[k], end);
    for (uint32_t i = 0; i < sg->n_nodes; i++) {
      rt_node_t *node = &sg->nodes[i];
      uint32_t bytes = node->scratch_bytes;
      if (!bytes) continue;
      node->scratch_item = n_items + 1u; /* the item until addresses are assigned */
      new_item(items, &n_items, bytes, time_base + (int32_t)i, s);
    }
    chain_overlaps(sg, al, ti, items, n_items, time_base);
    tensor_base += sg->n_tensors;
    time_base = end + 1;
  }

  uint64_t peak = plan_offsets(items, n_items, order, placed);
  /* Nothing is written to the plan or the variables after it during init, so both may take the held bytes. */
  const size_t top = rt->arena_size + rt->held - base;
  const size_t room = top > tail ? top - tail : 0;
  if (base + (size_t)peak + tail > rt->need) rt->need = base + (size_t)peak + tail;
  if (peak > room || tail > top) { /* with no plan at all (peak 0) the variables alone may not fit */
    uint64_t more = peak - room + (top < tail ? tail - top : 0);
    return arena_error(rt, more > 0x7FFFFFFFu ? 0x7FFFFFFFu : (size_t)more);
  }

  /* Assign addresses (the workspace may be overwritten from here on: read it all first). */
  uint8_t *region = rt->arena + base;
  tensor_base = 0;
  for (uint32_t s = 0; s < rt->n_subgraphs; s++) {
    rt_subgraph_t *sg = &rt->subgraphs[s];
    int32_t *ti = item_of + tensor_base;
    int16_t *al = alias + tensor_base;
    for (uint32_t t = 0; t < sg->n_tensors; t++) {
      int32_t r = root_of(al, (int32_t)t);
      if (ti[r] >= 0) sg->tensors[t].data = region + items[ti[r]].offset;
      if (sg->tensors[r].flags & RT_T_EXTERNAL) {
        uint32_t k = 0;
        while (sg->inputs[k] != r) k++; /* r is an input: only inputs carry the flag */
        sg->tensors[t].external = (uint8_t)(k + 1u);
        sg->tensors[t].data = 0;
      }
    }
    for (uint32_t i = 0; i < sg->n_nodes; i++) {
      rt_node_t *node = &sg->nodes[i];
      if (node->scratch_item) node->scratch = region + items[node->scratch_item - 1u].offset;
    }
    tensor_base += sg->n_tensors;
  }
  *planned = (size_t)peak;
  return RUNTIME_OK;
}

/* ---- public API ------------------------------------------------------------------------------------------- */

/* TFLM's ResetVariableTensors: int8 state starts at its zero point (the quantized 0.0), others at 0. */
static void zero_variables(rt_interp_t *rt) {
  for (uint32_t s = 0; s < rt->n_subgraphs; s++) {
    rt_subgraph_t *sg = &rt->subgraphs[s];
    for (uint32_t t = 0; t < sg->n_records; t++) {
      rt_tensor_t *v = &sg->tensors[t];
      if (v->flags & RT_T_VARIABLE) memset(v->data, v->fill, rt_bytes(v));
    }
  }
}

/* The variable tensors' bytes, each aligned; with `at`, each also gets its place from there on. Variables go
 * right after the plan (at = its end): in a tight arena, over the records and workspace at its end that
 * init is done with. Placed before the records move (they carry the addresses), and zeroed only after
 * (until then the records there are still read). */
static uint64_t variables(rt_interp_t *rt, uint8_t *at) {
  uint64_t sum = 0;
  for (uint32_t s = 0; s < rt->n_subgraphs; s++) {
    rt_subgraph_t *sg = &rt->subgraphs[s];
    for (uint32_t t = 0; t < sg->n_tensors; t++)
      if (sg->tensors[t].flags & RT_T_VARIABLE) {
        if (at) sg->tensors[t].data = at + sum;
        sum += align_up(rt_bytes(&sg->tensors[t]));
      }
  }
  return sum;
}

/* Which tensors need a record after init: all but the constants that only ops with consts_in_data read. */
static void mark_kept(const rt_subgraph_t *sg, uint8_t *keep) {
  for (uint32_t t = 0; t < sg->n_tensors; t++) keep[t] = !(sg->tensors[t].flags & RT_T_CONST);
  for (uint32_t k = 0; k < sg->n_inputs; k++) keep[sg->inputs[k]] = 1;
  for (uint32_t k = 0; k < sg->n_outputs; k++) keep[sg->outputs[k]] = 1;
  for (uint32_t i = 0; i < sg->n_nodes; i++)
    for (uint32_t k = 0; !sg->nodes[i].consts_in_data && k < sg->nodes[i].n_inputs; k++)
      if (sg->nodes[i].inputs[k] >= 0) keep[sg->nodes[i].inputs[k]] = 1;
}

static size_t records_bytes(const rt_subgraph_t *sg) {
  size_t bytes = align_up(sizeof(rt_tensor_t) * sg->n_records);
  return sg->n_records < sg->n_tensors ? bytes + align_up(sg->n_tensors) : bytes;
}

/* Before planning (the plan follows the persistent part): counts the records each subgraph keeps and
 * allocates them, with a byte map from tensor index when some are dropped (at most 254 kept). */
static int keep_records(rt_interp_t *rt, uint8_t **block) {
  size_t total = 0;
  for (uint32_t s = 0; s < rt->n_subgraphs; s++) {
    rt_subgraph_t *sg = &rt->subgraphs[s];
    uint8_t *keep = rt_scratch_tail(rt, sg->n_tensors);
    if (!keep) return RUNTIME_E_ARENA;
    mark_kept(sg, keep);
    uint32_t n = 0;
    for (uint32_t t = 0; t < sg->n_tensors; t++) n += keep[t];
    /* a map costs a byte a tensor: only worth it when the records dropped weigh more */
    size_t saved = sizeof(rt_tensor_t) * (sg->n_tensors - n), map = align_up(sg->n_tensors);
    sg->n_records = n < RT_NO_RECORD && saved > map ? n : sg->n_tensors;
    total += records_bytes(sg);
  }
  *block = rt_persistent(rt, 0, total ? total : 1);
  return *block ? RUNTIME_OK : RUNTIME_E_ARENA;
}

/* After planning: the kept records (addresses assigned) move into the block keep_records allocated. */
static void move_records(rt_interp_t *rt, uint8_t *block) {
  for (uint32_t s = 0; s < rt->n_subgraphs; s++) {
    rt_subgraph_t *sg = &rt->subgraphs[s];
    rt_tensor_t *kept = (rt_tensor_t *)(void *)block;
    uint8_t *map = sg->n_records < sg->n_tensors ? block + align_up(sizeof(rt_tensor_t) * sg->n_records) : 0;
    block += records_bytes(sg);
    if (!map) {
      if (sg->n_tensors) memcpy(kept, sg->tensors, sizeof(rt_tensor_t) * sg->n_tensors);
    } else {
      mark_kept(sg, map); /* 1 where kept, then each becomes the record's index */
      uint32_t n = 0;
      for (uint32_t t = 0; t < sg->n_tensors; t++) {
        if (!map[t]) {
          map[t] = RT_NO_RECORD;
          continue;
        }
        kept[n] = sg->tensors[t];
        map[t] = (uint8_t)n++;
      }
    }
    sg->tensors = kept;
    sg->map = map;
  }
}

int runtime_init(runtime_t *r, const runtime_model_t *model, const runtime_ops_t *ops, void *arena,
                 size_t arena_size) {
  return runtime_init_ex(r, model, ops, arena, arena_size, 0);
}

int runtime_init_ex(runtime_t *r, const runtime_model_t *model, const runtime_ops_t *ops, void *arena,
                    size_t arena_size, uint32_t flags) {
  if (!r) return RUNTIME_E_ARG;
  r->impl = 0;
  r->error[0] = 0;
  if (!model || !model->data || !ops || !arena)
    return set_error(r->error, sizeof r->error, RUNTIME_E_ARG, "NULL model, ops or arena", "", "");
  uint8_t *a = (uint8_t *)arena;
  size_t skew = (size_t)(-(uintptr_t)a & (RT_ALIGN - 1u));
  if (arena_size < skew + sizeof(rt_interp_t)) {
    char num[12];
    put_u32(num, 0, sizeof num, (uint32_t)(skew + sizeof(rt_interp_t)));
    return set_error(r->error, sizeof r->error, RUNTIME_E_ARENA, "arena too small: at least ", num,
                     " bytes needed for the interpreter alone");
  }
  rt_interp_t *rt = (rt_interp_t *)(void *)(a + skew);
  memset(rt, 0, sizeof *rt);
  rt->arena = a + skew;
  /* Aligned down: then every limit below is the arena's size less whole aligned blocks, and init's need
   * (runtime_arena_init_peak) does not depend on how the arena's size ends. */
  rt->arena_size = (arena_size - skew) & ~(size_t)(RT_ALIGN - 1u);
  rt->persistent = sizeof *rt;
  rt->error = r->error;
  rt->error_size = sizeof r->error;
  rt->ops = ops;
  rt->flags = (uint8_t)flags;
  rt->fb.buf = model->data;
  rt->fb.size = model->size;
  rt->model = fb_table_at(&rt->fb, model->root);
  fb_vec_t sgs = fb_vector(&rt->fb, &rt->model, RT_MODEL_SUBGRAPHS, 4);
  if (rt->fb.err || sgs.len == 0) return set_error(r->error, sizeof r->error, RUNTIME_E_MODEL, "corrupt model", "", "");
  rt->n_subgraphs = sgs.len;
  rt->subgraphs = rt_persistent(rt, 0, sizeof(rt_subgraph_t) * sgs.len);
  if (!rt->subgraphs) return RUNTIME_E_ARENA;
  /* At the arena's end, held back from the persistent part: every op's options position and every tensor's
   * quantization until the kernels are prepared, then every tensor's record, at the very end, until the plan
   * is made (the planner's workspace goes below the records, where the quantization was). */
  uint64_t n_all = 0, n_ops = 0;
  for (uint32_t s = 0; s < sgs.len; s++) {
    fb_table_t sgt = fb_vec_table(&rt->fb, sgs, s);
    n_all += fb_vector(&rt->fb, &sgt, RT_SUBGRAPH_TENSORS, 4).len;
    n_ops += fb_vector(&rt->fb, &sgt, RT_SUBGRAPH_OPERATORS, 4).len;
  }
  if (rt->fb.err) return set_error(r->error, sizeof r->error, RUNTIME_E_MODEL, "corrupt subgraph", "", "");
  const uint64_t quant_bytes = (n_all * sizeof(rt_quant_t) + n_ops * sizeof(uint32_t) + RT_ALIGN - 1u) &
                               ~(uint64_t)(RT_ALIGN - 1u);
  const uint64_t held = quant_bytes + n_all * sizeof(rt_tensor_t);
  size_t free_bytes = rt->arena_size - align_up(rt->persistent);
  note_need(rt, align_up(rt->persistent) + (size_t)held);
  if (held > free_bytes)
    return arena_error(rt, (size_t)(held - free_bytes > 0x7FFFFFFFu ? 0x7FFFFFFFu : held - free_bytes));
  size_t start = (rt->arena_size - (size_t)held) & ~(size_t)(RT_ALIGN - 1u);
  rt->held = rt->arena_size - start;
  rt->arena_size = start;
  rt->quant = (rt_quant_t *)(void *)(rt->arena + start);
  rt->options = (uint32_t *)(void *)(rt->quant + n_all);
  rt_tensor_t *records = (rt_tensor_t *)(void *)(rt->arena + start + (size_t)quant_bytes);
  int rc;
  for (uint32_t s = 0, first = 0, first_op = 0; s < rt->n_subgraphs; s++) {
    if ((rc = build_subgraph(rt, s, records + first, rt->quant + first, rt->options + first_op))) return rc;
    first += rt->subgraphs[s].n_tensors;
    first_op += rt->subgraphs[s].n_nodes;
  }
  if ((rc = rt_validate(rt))) return rc;
  if ((flags & RUNTIME_INPUTS_EXTERNAL) && rt->subgraphs[0].n_inputs > 255u)
    return set_error(r->error, sizeof r->error, RUNTIME_E_UNSUPPORTED, "external inputs: over 255 inputs", "", "");
  for (uint32_t s = 0; s < rt->n_subgraphs; s++) {
    rt_subgraph_t *sg = &rt->subgraphs[s];
    for (uint32_t i = 0; i < sg->n_nodes; i++) {
      rt_node_t *node = &sg->nodes[i];
      if (node->kernel->prepare && (rc = node->kernel->prepare(rt, node))) {
        if (!r->error[0]) rt_fail(rt, node, rc, "prepare failed", ""); /* never a refusal without words */
        return rc;
      }
      if (rt->fb.err) return rt_fail(rt, node, RUNTIME_E_MODEL, "corrupt options", "");
    }
  }
  rt->arena_size += (size_t)quant_bytes; /* the quantization and options are dead: the planner's workspace */
  rt->held -= (size_t)quant_bytes;      /* may take their bytes */
  rt->quant = 0;
  rt->options = 0;
  uint8_t *block;
  size_t planned = 0;
  const uint64_t tail = variables(rt, 0); /* each at most RT_MAX_TENSOR_BYTES: the sum cannot wrap */
  const uint64_t total = (uint64_t)rt->arena_size + rt->held;
  if (tail > total) return arena_error(rt, tail - total > 0x7FFFFFFFu ? 0x7FFFFFFFu : (size_t)(tail - total));
  if ((rc = keep_records(rt, &block)) || (rc = plan_memory(rt, (size_t)tail, &planned))) return rc;
  variables(rt, rt->arena + align_up(rt->persistent) + planned);
  move_records(rt, block);
  rt->arena_size += rt->held; /* the records at the end are dead */
  rt->init_peak = skew + align_up(rt->need); /* in held's word, and planned in need's */
  rt->planned = planned + (size_t)tail;
  zero_variables(rt);
  rt->ready = !(flags & RUNTIME_INPUTS_EXTERNAL);
  r->impl = rt;
  return RUNTIME_OK;
}

/* The first external input not yet bound, or -1. */
static int32_t unbound_input(const rt_interp_t *rt) {
  const rt_subgraph_t *sg = &rt->subgraphs[0];
  for (uint32_t k = 0; k < sg->n_inputs; k++)
    if ((record(sg, sg->inputs[k])->flags & RT_T_EXTERNAL) && !record(sg, sg->inputs[k])->data) return (int32_t)k;
  return -1;
}

int runtime_bind_input(runtime_t *r, uint32_t index, void *data, size_t bytes) {
  if (!r || !r->impl) return RUNTIME_E_ARG;
  rt_interp_t *rt = r->impl;
  rt_subgraph_t *sg = &rt->subgraphs[0];
  const char *why = 0;
  if (index >= sg->n_inputs) why = ": no such input";
  else if (!(record(sg, sg->inputs[index])->flags & RT_T_EXTERNAL))
    why = ": not external (see RUNTIME_INPUTS_EXTERNAL)";
  else if (!data || ((uintptr_t)data & (RT_ALIGN - 1u))) why = ": NULL or misaligned buffer";
  else if (bytes != rt_bytes(record(sg, sg->inputs[index]))) why = ": the buffer's size differs from the tensor's";
  if (why) {
    char num[12];
    put_u32(num, 0, sizeof num, index);
    return set_error(r->error, sizeof r->error, RUNTIME_E_ARG, "bind input ", num, why);
  }
  for (uint32_t t = 0; t < sg->n_records; t++) /* a variable's byte there is its fill */
    if (!(sg->tensors[t].flags & RT_T_VARIABLE) && sg->tensors[t].external == index + 1u) sg->tensors[t].data = data;
  rt->ready = unbound_input(rt) < 0;
  return RUNTIME_OK;
}

int rt_invoke_subgraph(rt_interp_t *rt, unsigned index) {
  if (index >= rt->n_subgraphs) return set_error(rt->error, rt->error_size, RUNTIME_E_EVAL, "no such subgraph", "", "");
  rt_subgraph_t *sg = &rt->subgraphs[index];
  for (uint32_t i = 0; i < sg->n_nodes; i++) {
    rt_node_t *node = &sg->nodes[i];
    uint32_t t0 = 0;
    const runtime_profiler_t *profile = index == 0 ? rt->profiler : 0;
    if (profile) t0 = profile->now();
    int rc = node->kernel->eval(rt, node);
    if (profile) {
      uint32_t t1 = profile->now();
      uint32_t d = profile->elapsed ? profile->elapsed(t0, t1) : t1 - t0;
      profile->report(profile->user, i, node->kernel->name, d);
    }
    if (rc) {
      if (!rt->error[0]) rt_fail(rt, node, RUNTIME_E_EVAL, "eval failed", "");
      return rc;
    }
  }
  return RUNTIME_OK;
}

/* Out of line: the refusal costs the invoke path nothing. */
static __attribute__((noinline)) int invoke_refused(runtime_t *r) {
  if (!r || !r->impl) return RUNTIME_E_ARG;
  char num[12];
  put_u32(num, 0, sizeof num, (uint32_t)unbound_input(r->impl));
  return set_error(r->error, sizeof r->error, RUNTIME_E_ARG, "input ", num, " is not bound (runtime_bind_input)");
}

int runtime_invoke(runtime_t *r) {
  if (!r || !r->impl || !r->impl->ready) return invoke_refused(r);
  r->error[0] = 0;
  return rt_invoke_subgraph(r->impl, 0);
}

int runtime_reset(runtime_t *r) {
  if (!r || !r->impl) return RUNTIME_E_ARG;
  zero_variables(r->impl);
  rt_interp_t *rt = r->impl;
  for (uint32_t s = 0; s < rt->n_subgraphs; s++) {
    rt_subgraph_t *sg = &rt->subgraphs[s];
    for (uint32_t i = 0; i < sg->n_nodes; i++)
      if (sg->nodes[i].kernel->reset) sg->nodes[i].kernel->reset(rt, &sg->nodes[i]);
  }
  return RUNTIME_OK;
}

void runtime_set_profiler(runtime_t *r, const runtime_profiler_t *p) {
  if (!r || !r->impl) return;
  r->impl->profiler = p && p->now && p->report ? p : 0;
}

const char *runtime_error(const runtime_t *r) { return r ? r->error : "NULL runtime"; }

size_t runtime_arena_used(const runtime_t *r) {
  if (!r || !r->impl) return 0;
  const rt_interp_t *rt = r->impl;
  return align_up(rt->persistent) + rt->planned;
}

size_t runtime_arena_init_peak(const runtime_t *r) { return r && r->impl ? r->impl->init_peak : 0; }

uint32_t runtime_input_count(const runtime_t *r) { return r && r->impl ? r->impl->subgraphs[0].n_inputs : 0; }
uint32_t runtime_output_count(const runtime_t *r) { return r && r->impl ? r->impl->subgraphs[0].n_outputs : 0; }

/* Subgraph 0's tensor `index`; its quantization is read again from the (verified) model. */
static int tensor_info(const rt_interp_t *rt, int32_t index, runtime_tensor_info_t *info) {
  const rt_tensor_t *t = record(&rt->subgraphs[0], index); /* inputs and outputs keep their records */
  memset(info, 0, sizeof *info);
  info->data = t->data;
  info->bytes = rt_bytes(t);
  info->type = (runtime_type_t)t->type;
  info->rank = t->rank;
  for (unsigned i = 0; i < t->rank; i++) info->dims[i] = t->dims[i];
  fb_t fb = rt->fb; /* a copy: the interpreter's reader stays untouched */
  fb_vec_t sgs = fb_vector(&fb, &rt->model, RT_MODEL_SUBGRAPHS, 4);
  fb_table_t s = fb_vec_table(&fb, sgs, 0);
  fb_table_t ft = fb_vec_table(&fb, fb_vector(&fb, &s, RT_SUBGRAPH_TENSORS, 4), (uint32_t)index);
  rt_quant_t q;
  read_quant(&fb, &ft, &q);
  if (fb.err) return RUNTIME_E_MODEL; /* not after a successful init: the same reads passed then */
  info->scale = q.scales ? q.scales[0] : 0.0f;
  info->zero_point = q.zero_point;
  return RUNTIME_OK;
}

int runtime_input(const runtime_t *r, uint32_t index, runtime_tensor_info_t *info) {
  if (!r || !r->impl || !info || index >= r->impl->subgraphs[0].n_inputs) return RUNTIME_E_ARG;
  const rt_subgraph_t *sg = &r->impl->subgraphs[0];
  return tensor_info(r->impl, sg->inputs[index], info);
}

int runtime_output(const runtime_t *r, uint32_t index, runtime_tensor_info_t *info) {
  if (!r || !r->impl || !info || index >= r->impl->subgraphs[0].n_outputs) return RUNTIME_E_ARG;
  const rt_subgraph_t *sg = &r->impl->subgraphs[0];
  return tensor_info(r->impl, sg->outputs[index], info);
}

uint32_t runtime_op_count(const runtime_t *r) { return r && r->impl ? r->impl->subgraphs[0].n_nodes : 0; }

const char *runtime_op_name(const runtime_t *r, uint32_t op_index) {
  if (!r || !r->impl || op_index >= r->impl->subgraphs[0].n_nodes) return 0;
  return r->impl->subgraphs[0].nodes[op_index].kernel->name;
}

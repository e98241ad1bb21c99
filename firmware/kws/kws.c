#include "kws.h"

#include <stdint.h>
#include <string.h>

#define ALIGN 16u

static size_t align_up(size_t n) { return (n + (ALIGN - 1u)) & ~(size_t)(ALIGN - 1u); }

static int fail(kws_t *k, int code, const char *what, const char *detail) {
  size_t p = 0;
  for (const char *s = what; s && *s && p + 1 < sizeof k->error; s++) k->error[p++] = *s;
  if (detail && *detail) {
    for (const char *s = ": "; *s && p + 1 < sizeof k->error; s++) k->error[p++] = *s;
    for (const char *s = detail; *s && p + 1 < sizeof k->error; s++) k->error[p++] = *s;
  }
  k->error[p] = '\0';
  return code;
}

/* A bump allocator over the caller's arena. */
typedef struct {
  uint8_t *base;
  size_t size, used;
} carve_t;

static void *carve(carve_t *c, size_t bytes) {
  size_t start = align_up((size_t)(c->base + c->used) - (size_t)c->base);
  if (start > c->size || c->size - start < bytes) return NULL;
  c->used = start + bytes;
  return c->base + start;
}

/* ---- metadata ------------------------------------------------------------------------------- */
/* The frontend settings the metadata carries (frontend.<name>), from frontend.h's table. */
typedef struct {
  const char *key;
  size_t offset;
  char type;     /* 'i' int32, 'f' float */
  char optional; /* in_spec 2: a key older models lack; absent, the default stays */
} fe_field_t;

#define FE_TYPE_int32_t 'i'
#define FE_TYPE_float 'f'
#define FE_FIELD(type, name, default_value, in_spec) \
  {"frontend." #name, offsetof(frontend_config_t, name), (in_spec) ? FE_TYPE_##type : 0, (in_spec) == 2},
static const fe_field_t fe_fields[] = {FRONTEND_SETTINGS(FE_FIELD)};
#undef FE_FIELD

static int meta_i32(kws_t *k, const char *key, int32_t *out) {
  int rc = hark_meta_i32(&k->meta, key, out);
  return rc ? fail(k, KWS_E_METADATA, hark_meta_strerror(rc), key) : KWS_OK;
}

static int meta_f32(kws_t *k, const char *key, float *out) {
  int rc = hark_meta_f32(&k->meta, key, out);
  return rc ? fail(k, KWS_E_METADATA, hark_meta_strerror(rc), key) : KWS_OK;
}

static int meta_str(kws_t *k, const char *key, const char **out, uint32_t *len) {
  int rc = hark_meta_str(&k->meta, key, out, len);
  return rc ? fail(k, KWS_E_METADATA, hark_meta_strerror(rc), key) : KWS_OK;
}

static int read_frontend_config(kws_t *k, frontend_config_t *cfg) {
  frontend_config_default(cfg); /* first: cfg is defined on every return path, refusals included */
  /* frontend.kind is written only for models whose input is not this pipeline's microfrontend features (raw
   * audio hops, host-only log-mel/MFCC): absent means the microfrontend. Running such a model on microfrontend
   * features would give wrong scores silently, so it is refused. */
  const char *kind;
  uint32_t kind_len;
  int krc = hark_meta_str(&k->meta, "frontend.kind", &kind, &kind_len);
  if (krc != HARK_META_ENOTFOUND) {
    if (krc) return fail(k, KWS_E_METADATA, hark_meta_strerror(krc), "frontend.kind");
    if (kind_len != 13 || memcmp(kind, "microfrontend", 13) != 0) {
      char name[24]; /* the metadata's string is not NUL-terminated and is hostile: bounded, printable only */
      uint32_t n = 0;
      for (; n < kind_len && n + 1 < sizeof name; n++) name[n] = (kind[n] >= 0x20 && kind[n] < 0x7f) ? kind[n] : '?';
      name[n] = '\0';
      return fail(k, KWS_E_UNSUPPORTED, "frontend.kind is not microfrontend, the only input this pipeline computes", name);
    }
  }
  for (size_t i = 0; i < sizeof fe_fields / sizeof fe_fields[0]; i++) {
    if (!fe_fields[i].type) continue; /* not in the metadata: keeps its default */
    void *dst = (uint8_t *)cfg + fe_fields[i].offset;
    /* The getters leave dst alone unless they succeed, so an absent optional key keeps its default. */
    int rc = fe_fields[i].type == 'i' ? hark_meta_i32(&k->meta, fe_fields[i].key, dst)
                                      : hark_meta_f32(&k->meta, fe_fields[i].key, dst);
    if (rc == HARK_META_ENOTFOUND && fe_fields[i].optional) continue;
    if (rc) return fail(k, KWS_E_METADATA, hark_meta_strerror(rc), fe_fields[i].key);
  }
  const char *bad = frontend_config_check(cfg);
  return bad ? fail(k, KWS_E_METADATA, "frontend settings", bad) : KWS_OK;
}

static int read_mode(kws_t *k) {
  const char *mode;
  uint32_t len;
  int rc = meta_str(k, "stream.mode", &mode, &len);
  if (rc) return rc;
  if (len == 6 && memcmp(mode, "window", 6) == 0) {
    k->mode = KWS_MODE_WINDOW;
  } else if (len == 15 && memcmp(mode, "stream_external", 15) == 0) {
    k->mode = KWS_MODE_STREAM_EXTERNAL;
  } else if (len == 15 && memcmp(mode, "stream_internal", 15) == 0) {
    k->mode = KWS_MODE_STREAM_INTERNAL;
  } else {
    return fail(k, KWS_E_METADATA, "unknown stream.mode", NULL);
  }
  int32_t frames_per_call;
  if ((rc = meta_i32(k, "stream.frames_per_call", &frames_per_call))) return rc;
  if (k->mode == KWS_MODE_WINDOW) {
    int32_t wf, eh;
    if ((rc = meta_i32(k, "stream.window_frames", &wf)) || (rc = meta_i32(k, "stream.every_hops", &eh))) return rc;
    if (wf < 1 || wf > 4096 || eh < 1 || eh > 4096)
      return fail(k, KWS_E_METADATA, "stream.window_frames or stream.every_hops out of range", NULL);
    k->window_frames = (uint32_t)wf;
    k->every_hops = (uint32_t)eh;
  } else {
    if (frames_per_call != 1) return fail(k, KWS_E_UNSUPPORTED, "streaming models must take one frame per call", NULL);
    k->window_frames = 1;
    k->every_hops = 1;
  }
  if (k->mode == KWS_MODE_STREAM_EXTERNAL) {
    const uint8_t *in, *out;
    uint32_t n_in, n_out;
    int a = hark_meta_i32_array(&k->meta, "stream.state_inputs", &in, &n_in);
    int b = hark_meta_i32_array(&k->meta, "stream.state_outputs", &out, &n_out);
    if (a || b) return fail(k, KWS_E_METADATA, hark_meta_strerror(a ? a : b), "stream.state_inputs/outputs");
    if (n_in != n_out || n_in > KWS_MAX_STATE)
      return fail(k, KWS_E_METADATA, "state inputs and outputs do not pair up (or exceed KWS_MAX_STATE)", NULL);
    k->state_count = n_in;
    for (uint32_t i = 0; i < n_in; i++) {
      int32_t si = hark_meta_array_at(in, i), so = hark_meta_array_at(out, i);
      if (si < 0 || si > 255 || so < 0 || so > 255) return fail(k, KWS_E_METADATA, "state tensor index out of range", NULL);
      k->state_in[i] = (uint8_t)si;
      k->state_out[i] = (uint8_t)so;
    }
  }
  return KWS_OK;
}

static int read_recognition(kws_t *k) {
  int rc;
  kws_recognition_t *p = &k->params;
  if ((rc = meta_i32(k, "recognition.average_window_ms", &p->average_window_ms)) ||
      (rc = meta_f32(k, "recognition.detection_threshold", &p->detection_threshold)) ||
      (rc = meta_i32(k, "recognition.suppression_ms", &p->suppression_ms)) ||
      (rc = meta_i32(k, "recognition.minimum_count", &p->minimum_count)))
    return rc;
  /* Checked before the history is sized from it (2 x the window would overflow for values >= 2^30). */
  if (p->average_window_ms < 0 || p->average_window_ms > KWS_MAX_AVERAGE_WINDOW_MS)
    return fail(k, KWS_E_VALUE, "recognition.average_window_ms out of range [0, 60000]", NULL);
  return KWS_OK;
}

/* ---- tensors -------------------------------------------------------------------------------- */
/* The per-hop tensors' bytes, once the runtime is built for good (check_tensors has vetted the indices). */
static void cache_tensors(kws_t *k) {
  runtime_tensor_info_t t;
  runtime_input(&k->rt, k->feature_input, &t);
  k->input_data = t.data;
  runtime_output(&k->rt, k->score_output, &t);
  k->score_data = t.data;
  k->score_is_uint8 = t.type == RUNTIME_UINT8;
  for (uint32_t i = 0; i < k->state_count; i++) {
    runtime_input(&k->rt, k->state_in[i], &t);
    k->state_in_data[i] = t.data;
    runtime_output(&k->rt, k->state_out[i], &t);
    k->state_out_data[i] = t.data;
  }
}

static int is_state_input(const kws_t *k, uint32_t index) {
  for (uint32_t i = 0; i < k->state_count; i++)
    if (k->state_in[i] == index) return 1;
  return 0;
}

static int is_state_output(const kws_t *k, uint32_t index) {
  for (uint32_t i = 0; i < k->state_count; i++)
    if (k->state_out[i] == index) return 1;
  return 0;
}

/* Finds the feature input and the score output, and checks every tensor the pipeline touches. */
static int check_tensors(kws_t *k) {
  uint32_t n_in = runtime_input_count(&k->rt), n_out = runtime_output_count(&k->rt);
  runtime_tensor_info_t t;
  uint32_t found = 0;
  for (uint32_t i = 0; i < n_in; i++) {
    if (is_state_input(k, i)) continue;
    k->feature_input = i;
    found++;
  }
  if (found != 1) return fail(k, KWS_E_MODEL, "the model must have exactly one feature input besides its state", NULL);
  found = 0;
  for (uint32_t i = 0; i < n_out; i++) {
    if (is_state_output(k, i)) continue;
    k->score_output = i;
    found++;
  }
  if (found != 1) return fail(k, KWS_E_MODEL, "the model must have exactly one score output besides its state", NULL);

  runtime_input(&k->rt, k->feature_input, &t);
  if (t.type != RUNTIME_INT8) return fail(k, KWS_E_UNSUPPORTED, "the feature input must be int8", NULL);
  if (t.bytes != k->window_frames * k->channels)
    return fail(k, KWS_E_MODEL, "the feature input size is not frames x channels from the metadata", NULL);
  if (!(t.scale > 0.0f)) return fail(k, KWS_E_MODEL, "the feature input has no quantization scale", NULL);
  float scale;
  int rc = meta_f32(k, "features.scale", &scale);
  if (rc) return rc;
  if (!(scale > 0.0f)) return fail(k, KWS_E_METADATA, "features.scale must be positive", NULL);
  /* Q32: v * scale / input_scale, rounded, in integer arithmetic per hop. */
  double ratio = (double)scale / (double)t.scale;
  if (ratio > 65536.0) return fail(k, KWS_E_MODEL, "features.scale / input scale is out of range", NULL);
  k->feature_multiplier = (int64_t)(ratio * 4294967296.0 + 0.5);
  k->input_zero_point = t.zero_point;

  runtime_output(&k->rt, k->score_output, &t);
  if (t.type != RUNTIME_INT8 && t.type != RUNTIME_UINT8)
    return fail(k, KWS_E_UNSUPPORTED, "the score output must be int8 or uint8", NULL);
  if (t.bytes != k->label_count) return fail(k, KWS_E_MODEL, "the score output size is not the label count", NULL);
  k->output_scale = t.scale;
  k->output_zero_point = t.type == RUNTIME_UINT8 ? t.zero_point - 128 : t.zero_point;

  for (uint32_t i = 0; i < k->state_count; i++) {
    runtime_tensor_info_t a, b;
    if (k->state_in[i] >= n_in || k->state_out[i] >= n_out) return fail(k, KWS_E_MODEL, "state tensor index out of range", NULL);
    runtime_input(&k->rt, k->state_in[i], &a);
    runtime_output(&k->rt, k->state_out[i], &b);
    /* A plain copy carries the state only if both ends share type, size and quantization. */
    if (a.type != b.type || a.bytes != b.bytes || a.scale != b.scale || a.zero_point != b.zero_point)
      return fail(k, KWS_E_MODEL, "a state input and its output differ in type, size or quantization", NULL);
    if (a.type != RUNTIME_INT8 && a.type != RUNTIME_INT16 && a.type != RUNTIME_FLOAT32)
      return fail(k, KWS_E_UNSUPPORTED, "state tensors must be int8, int16 or float32", NULL);
    k->state_bytes[i] = a.bytes;
    k->state_zero[i] = a.type == RUNTIME_FLOAT32 ? 0 : a.zero_point;
  }
  return KWS_OK;
}

static void fill_state_zero(kws_t *k, uint32_t i) {
  runtime_tensor_info_t t;
  runtime_input(&k->rt, k->state_in[i], &t);
  /* A streaming layer starts from float zero, which quantizes to the zero point. */
  if (t.type == RUNTIME_INT8) {
    memset(k->state[i], (int8_t)k->state_zero[i], k->state_bytes[i]);
  } else if (t.type == RUNTIME_INT16) {
    int16_t z = (int16_t)k->state_zero[i];
    for (uint32_t j = 0; j < k->state_bytes[i] / 2u; j++) memcpy((uint8_t *)k->state[i] + 2u * j, &z, 2);
  } else {
    memset(k->state[i], 0, k->state_bytes[i]);
  }
}

static int configure_recognition(kws_t *k, const kws_recognition_t *p) {
  if (p->average_window_ms < 0 || p->average_window_ms > KWS_MAX_AVERAGE_WINDOW_MS || p->suppression_ms < 0 ||
      p->minimum_count < 0 || !(p->detection_threshold > 0.0f) ||
      !(p->detection_threshold <= 1.0f))
    return fail(k, KWS_E_VALUE, "recognition parameter out of range", NULL);
  uint32_t result_ms = k->hop_ms * k->every_hops;
  if (hark_recognize_history_for(p->average_window_ms, (int32_t)result_ms) > k->rec.capacity)
    return fail(k, KWS_E_VALUE, "average_window_ms exceeds the history the arena holds", NULL);
  hark_recognize_config_t cfg = {
      .average_window_ms = p->average_window_ms,
      .suppression_ms = p->suppression_ms,
      .minimum_count = p->minimum_count,
      .score_zero_point = k->output_zero_point,
      .silence_label = -1,
  };
  for (uint32_t i = 0; i < k->label_count; i++) {
    const char *name;
    if (kws_label(k, i, &name) == 9 && memcmp(name, "_silence_", 9) == 0) cfg.silence_label = (int32_t)i;
  }
  if (hark_recognize_threshold(p->detection_threshold, k->output_scale, &cfg.detection_threshold))
    return fail(k, KWS_E_VALUE, "detection_threshold does not fit the output scale", NULL);
  if (hark_recognize_configure(&k->rec, &cfg)) return fail(k, KWS_E_VALUE, "recognition rejected the parameters", NULL);
  k->params = *p;
  return KWS_OK;
}

/* ---- init ----------------------------------------------------------------------------------- */
/* A model without `hark` metadata (e.g. one of TFLM's own) can still be profiled, not run on audio. */
static int init_bare(kws_t *k, const runtime_ops_t *ops, void *arena, size_t arena_size) {
  int rc = runtime_init(&k->rt, &k->model, ops, arena, arena_size);
  if (rc)
    return fail(k, rc == RUNTIME_E_ARENA ? KWS_E_ARENA : rc == RUNTIME_E_UNSUPPORTED ? KWS_E_UNSUPPORTED : KWS_E_MODEL,
                runtime_error(&k->rt), NULL);
  k->bare = 1;
  k->name = k->hash = k->labels = "";
  /* Profiled inputs hold their zero points, so the counts do not depend on leftover arena bytes. */
  for (uint32_t i = 0; i < runtime_input_count(&k->rt); i++) {
    runtime_tensor_info_t t;
    runtime_input(&k->rt, i, &t);
    if (t.type == RUNTIME_INT8) {
      memset(t.data, (int8_t)t.zero_point, t.bytes);
    } else {
      memset(t.data, 0, t.bytes);
    }
  }
  return fail(k, KWS_OK, "the model has no `hark` metadata: it can be profiled, not run on audio", NULL);
}

int kws_init(kws_t *k, const uint8_t *model, uint32_t size, const runtime_ops_t *ops, void *arena, size_t arena_size,
             const kws_clock_t *clock) {
  if (!k || !model || !ops || !arena) return KWS_E_ARG;
  memset(k, 0, sizeof *k);
  if (clock) k->clock = *clock;
  k->arena_size = arena_size;
  int rc = runtime_model_open(&k->model, model, size);
  if (rc) return fail(k, rc == RUNTIME_E_ARG ? KWS_E_ARG : KWS_E_MODEL, "model rejected by the reader", NULL);

  const uint8_t *blob;
  uint32_t blob_len;
  if (runtime_model_metadata(&k->model, "hark", &blob, &blob_len)) return init_bare(k, ops, arena, arena_size);
  if ((rc = hark_meta_open(&k->meta, blob, blob_len))) return fail(k, KWS_E_METADATA, hark_meta_strerror(rc), "hark");

  if ((rc = meta_str(k, "spec.name", &k->name, &k->name_len)) || (rc = meta_str(k, "spec.hash", &k->hash, &k->hash_len)) ||
      (rc = meta_str(k, "labels", &k->labels, &k->labels_len)))
    return rc;
  const char *item;
  while (hark_meta_list_item(k->labels, k->labels_len, k->label_count, &item) >= 0) {
    if (++k->label_count > KWS_MAX_LABELS) return fail(k, KWS_E_METADATA, "more labels than KWS_MAX_LABELS", NULL);
  }
  frontend_config_t fe_cfg;
  if ((rc = read_frontend_config(k, &fe_cfg)) || (rc = read_mode(k)) || (rc = read_recognition(k))) return rc;
  const float range_db = fe_cfg.dynamic_range_db;
  if (!(range_db >= 0.0f && range_db <= 1000.0f)) return fail(k, KWS_E_METADATA, "frontend.dynamic_range_db out of range", NULL);
  if (range_db > 0.0f) {
    if (k->mode != KWS_MODE_WINDOW)
      return fail(k, KWS_E_UNSUPPORTED, "frontend.dynamic_range_db scales a whole window: it needs stream.mode window", NULL);
    k->dynamic_range = frontend_dynamic_range(range_db, fe_cfg.scale_shift);
    if (k->dynamic_range <= 0) return fail(k, KWS_E_METADATA, "frontend.dynamic_range_db gives no range", NULL);
  }
  k->sample_rate = (uint32_t)fe_cfg.sample_rate;
  k->hop_ms = (uint32_t)fe_cfg.window_step_ms;
  k->hop_samples = (uint32_t)((int64_t)fe_cfg.sample_rate * fe_cfg.window_step_ms / 1000);
  k->channels = (uint16_t)fe_cfg.num_channels;

  /* What the metadata alone sizes. */
  carve_t c = {arena, arena_size, 0};
  size_t fe_bytes = frontend_state_size(&fe_cfg);
  void *fe_mem = carve(&c, fe_bytes);
  if (!fe_mem) return fail(k, KWS_E_ARENA, "arena too small for the frontend", NULL);
  if ((rc = frontend_init(&k->fe, &fe_cfg, fe_mem, fe_bytes))) return fail(k, KWS_E_METADATA, "frontend init", frontend_error_text(rc));
  k->frame = carve(&c, k->channels);
  k->window = carve(&c, (size_t)k->window_frames * k->channels);
  if (k->dynamic_range) {
    k->raw_window = carve(&c, (size_t)k->window_frames * k->channels * sizeof(uint16_t));
    if (!k->raw_window) return fail(k, KWS_E_ARENA, "arena too small for the pipeline buffers", NULL);
  }
  k->scores = carve(&c, k->label_count);
  uint32_t result_ms = k->hop_ms * k->every_hops;
  int32_t history_ms = k->params.average_window_ms > 1000 ? 2 * k->params.average_window_ms : 2000;
  uint16_t capacity = hark_recognize_history_for(history_ms, (int32_t)result_ms);
  size_t rec_bytes = hark_recognize_mem_bytes(k->label_count, capacity);
  void *rec_mem = carve(&c, rec_bytes);
  if (!k->frame || !k->window || !k->scores || !rec_mem) return fail(k, KWS_E_ARENA, "arena too small for the pipeline buffers", NULL);
  hark_recognize_config_t rc0 = {.average_window_ms = 1000, .detection_threshold = 1, .minimum_count = 0, .silence_label = -1};
  if (hark_recognize_init(&k->rec, &rc0, k->label_count, capacity, rec_mem, rec_bytes))
    return fail(k, KWS_E_ARENA, "recognition history", NULL);

  /* The runtime takes the rest; the state copies are sized by its tensors, so build it once to learn
   * them, carve them, and build it again on what remains. */
  size_t fixed = c.used;
  /* A window model reads its input straight from the window this pipeline slides anyway: the runtime plans no
   * copy of it (its bytes and a copy per invoke saved). */
  uint32_t flags = k->mode == KWS_MODE_WINDOW && !k->dynamic_range && !((uintptr_t)k->window & (sizeof(void *) - 1u))
                       ? RUNTIME_INPUTS_EXTERNAL
                       : 0u;
  if ((rc = runtime_init_ex(&k->rt, &k->model, ops, c.base + align_up(fixed), arena_size - align_up(fixed), flags)))
    return fail(k, rc == RUNTIME_E_ARENA ? KWS_E_ARENA : rc == RUNTIME_E_UNSUPPORTED ? KWS_E_UNSUPPORTED : KWS_E_MODEL,
                runtime_error(&k->rt), NULL);
  if ((rc = check_tensors(k))) return rc;
  for (uint32_t i = 0; i < k->state_count; i++) {
    k->state[i] = carve(&c, k->state_bytes[i]);
    if (!k->state[i]) return fail(k, KWS_E_ARENA, "arena too small for the streaming state", NULL);
  }
  k->own_bytes = align_up(c.used);
  if (k->state_count) {
    if (k->own_bytes > arena_size) return fail(k, KWS_E_ARENA, "arena too small for the streaming state", NULL);
    if ((rc = runtime_init_ex(&k->rt, &k->model, ops, c.base + k->own_bytes, arena_size - k->own_bytes, flags)))
      return fail(k, rc == RUNTIME_E_ARENA ? KWS_E_ARENA : KWS_E_MODEL, runtime_error(&k->rt), NULL);
  }
  if (flags && runtime_bind_input(&k->rt, k->feature_input, k->window, (size_t)k->window_frames * k->channels))
    return fail(k, KWS_E_MODEL, runtime_error(&k->rt), NULL);
  cache_tensors(k);
  if ((rc = configure_recognition(k, &k->params))) return rc;
  kws_reset(k);
  return KWS_OK;
}

const char *kws_error(const kws_t *k) { return k ? k->error : "no pipeline"; }
uint32_t kws_hop_samples(const kws_t *k) { return k ? k->hop_samples : 0; }
size_t kws_sizeof(void) { return sizeof(kws_t); }
/* The runtime's init peak is never below its use after init (its last step is the plan plus the variables). */
size_t kws_arena_used(const kws_t *k) { return k->own_bytes + runtime_arena_init_peak(&k->rt); }
int kws_is_bare(const kws_t *k) { return k->bare; }

int32_t kws_label(const kws_t *k, uint32_t index, const char **name) {
  return hark_meta_list_item(k->labels, k->labels_len, index, name);
}

void kws_reset(kws_t *k) {
  if (k->bare) {
    runtime_reset(&k->rt);
    return;
  }
  frontend_reset(&k->fe);
  runtime_reset(&k->rt);
  hark_recognize_reset(&k->rec);
  for (uint32_t i = 0; i < k->state_count; i++) fill_state_zero(k, i);
  /* An empty window holds the int8 code of a zero feature. */
  int8_t zero = (int8_t)(k->input_zero_point < -128 ? -128 : k->input_zero_point > 127 ? 127 : k->input_zero_point);
  memset(k->window, zero, (size_t)k->window_frames * k->channels);
  if (k->raw_window) memset(k->raw_window, 0, (size_t)k->window_frames * k->channels * sizeof(uint16_t));
  memset(k->scores, (int8_t)k->output_zero_point, k->label_count);
  k->frames_seen = 0;
  k->hop_index = 0;
}

void kws_get_recognition(const kws_t *k, kws_recognition_t *out) { *out = k->params; }

int kws_set_recognition(kws_t *k, const kws_recognition_t *params) {
  if (k->bare) return fail(k, KWS_E_METADATA, "the model has no `hark` metadata", NULL);
  return configure_recognition(k, params);
}

/* ---- per hop -------------------------------------------------------------------------------- */
static uint32_t now(const kws_t *k) { return k->clock.now ? k->clock.now() : 0u; }

static uint32_t since(const kws_t *k, uint32_t start) {
  if (!k->clock.now) return 0u;
  uint32_t end = k->clock.now();
  return k->clock.elapsed ? k->clock.elapsed(start, end) : end - start;
}

/* A feature value (uint16, or a dynamic int8 code) -> the model's int8 input: v * features.scale / input scale,
 * rounded, plus the zero point. */
static int8_t to_input(const kws_t *k, int32_t v) {
  int64_t q = ((int64_t)v * k->feature_multiplier + ((int64_t)1 << 31)) >> 32;
  q += k->input_zero_point;
  return (int8_t)(q < -128 ? -128 : q > 127 ? 127 : q);
}

static void quantize_frame(kws_t *k, const uint16_t *features) {
  if (k->dynamic_range) { /* keep it raw: the whole window is scaled at the invoke */
    size_t row = k->channels, rows = k->window_frames;
    memmove(k->raw_window, k->raw_window + row, (rows - 1u) * row * sizeof(uint16_t));
    memcpy(k->raw_window + (rows - 1u) * row, features, row * sizeof(uint16_t));
    return;
  }
  for (uint32_t c = 0; c < k->channels; c++) k->frame[c] = to_input(k, features[c]);
}

/* The state tensors are copied in and out on every hop (12 KB for the streaming ds_cnn). memcpy's word
 * loop takes two instructions a word; on the M4 eight words move per LDM/STM pair where both ends are
 * word-aligned (arena tensors and the state buffers are). */
static void copy_state(void *dst, const void *src, size_t n) {
#if defined(__ARM_ARCH_7EM__) || defined(__ARM_ARCH_7M__)
  if ((((uintptr_t)dst | (uintptr_t)src) & 3u) == 0) {
    uint32_t *d = dst;
    const uint32_t *s = src;
    for (; n >= 32u; n -= 32u)
      __asm volatile("ldmia %[s]!, {r4, r5, r6, r8, r9, r10, r11, r12}\n\t"
                     "stmia %[d]!, {r4, r5, r6, r8, r9, r10, r11, r12}\n\t"
                     : [s] "+r"(s), [d] "+r"(d)
                     :
                     : "r4", "r5", "r6", "r8", "r9", "r10", "r11", "r12", "memory");
    dst = d;
    src = s;
  }
#endif
  memcpy(dst, src, n);
}

/* Feeds one feature frame to the model; returns 1 if it ran, 0 if not yet, or an error. */
static int model_step(kws_t *k) {
  if (k->mode == KWS_MODE_WINDOW) {
    /* The window slides by one frame; keep it contiguous, oldest first, as the input wants it. */
    size_t row = k->channels, rows = k->window_frames;
    if (!k->dynamic_range) {
      memmove(k->window, k->window + row, (rows - 1u) * row);
      memcpy(k->window + (rows - 1u) * row, k->frame, row);
    }
    k->frames_seen++;
    if (k->frames_seen < k->window_frames || (k->frames_seen - k->window_frames) % k->every_hops != 0) return 0;
    if (k->dynamic_range) {
      int8_t *q = k->input_data;
      frontend_to_int8_dynamic(k->raw_window, rows * row, k->dynamic_range, q);
      for (size_t i = 0; i < rows * row; i++) q[i] = to_input(k, q[i]);
    } else {
      if (k->input_data != k->window) memcpy(k->input_data, k->window, rows * row); /* else the input is the window */
    }
  } else {
    memcpy(k->input_data, k->frame, k->channels);
    for (uint32_t i = 0; i < k->state_count; i++) copy_state(k->state_in_data[i], k->state[i], k->state_bytes[i]);
  }
  if (runtime_invoke(&k->rt)) return fail(k, KWS_E_EVAL, runtime_error(&k->rt), NULL);
  for (uint32_t i = 0; i < k->state_count; i++) copy_state(k->state[i], k->state_out_data[i], k->state_bytes[i]);
  if (k->score_is_uint8) {
    const uint8_t *out = k->score_data;
    for (uint32_t i = 0; i < k->label_count; i++) k->scores[i] = (int8_t)(out[i] - 128);
  } else {
    memcpy(k->scores, k->score_data, k->label_count);
  }
  return 1;
}

int kws_hop(kws_t *k, const int16_t *samples, kws_hop_t *out) {
  if (!k || !samples || !out || !k->hop_samples) return KWS_E_ARG;
  memset(out, 0, sizeof *out);
  out->hop = k->hop_index++;
  out->time_ms = (uint32_t)((uint64_t)k->hop_index * k->hop_ms);
  out->label = -1;

  size_t done = 0;
  uint16_t features[FRONTEND_MAX_CHANNELS];
  while (done < k->hop_samples) {
    uint32_t t0 = now(k);
    size_t used = 0;
    int rc = frontend_process(&k->fe, samples + done, k->hop_samples - done, &used, features);
    if (rc < 0) return fail(k, KWS_E_EVAL, "frontend", frontend_error_text(rc));
    done += used;
    if (rc == 1) quantize_frame(k, features);
    out->frontend += since(k, t0);
    if (rc != 1) break;
    t0 = now(k);
    rc = model_step(k);
    out->inference += since(k, t0);
    if (rc < 0) return rc;
    if (rc == 0) continue;
    out->invoked = 1;
    out->scores = k->scores;
    out->score_count = k->label_count;
    t0 = now(k);
    hark_recognize_result_t r;
    rc = hark_recognize_process_i8(&k->rec, k->scores, (int32_t)out->time_ms, &r);
    out->recognize += since(k, t0);
    if (rc) return fail(k, KWS_E_EVAL, "recognize", NULL);
    out->label = (int16_t)r.label;
    out->score = r.score;
    if (r.is_new) out->detected = 1;
  }
  return KWS_OK;
}

/* ---- profiling ------------------------------------------------------------------------------ */
typedef struct {
  uint32_t *counts;
  uint16_t capacity;
  uint16_t seen;
} profile_sink_t;

static void profile_report(void *user, uint32_t op_index, const char *op_name, uint32_t delta) {
  (void)op_name;
  profile_sink_t *s = user;
  if (op_index < s->capacity) s->counts[op_index] = delta; /* more ops than room: kws_profile refuses */
  if (op_index + 1u > s->seen) s->seen = (uint16_t)(op_index + 1u);
}

int kws_profile(kws_t *k, uint32_t *counts, uint16_t capacity, uint16_t *ops, uint32_t *total) {
  if (!k || !counts || !ops || !total) return KWS_E_ARG;
  if (!k->clock.now) return fail(k, KWS_E_UNSUPPORTED, "profiling needs a counter", NULL);
  profile_sink_t sink = {counts, capacity, 0};
  runtime_profiler_t p = {.now = k->clock.now, .elapsed = k->clock.elapsed, .report = profile_report, .user = &sink};
  runtime_set_profiler(&k->rt, &p);
  uint32_t t0 = now(k);
  int rc = runtime_invoke(&k->rt);
  *total = since(k, t0);
  runtime_set_profiler(&k->rt, NULL);
  if (rc) return fail(k, KWS_E_EVAL, runtime_error(&k->rt), NULL);
  if (sink.seen > capacity) return fail(k, KWS_E_UNSUPPORTED, "the model has more operators than the profile holds", NULL);
  *ops = sink.seen;
  return KWS_OK;
}

const runtime_ops_t *kws_all_ops(void) { return &runtime_all_ops; }

/* The layouts of runtime.h's shared structs for the host binding (see firmware/layout/layout.h). */
#include "layout.h"
#include "runtime.h"

static const hark_layout_t table[] = {
    HARK_LAYOUT_TYPE(runtime_model_t),
    HARK_LAYOUT_FIELD(runtime_model_t, data),
    HARK_LAYOUT_FIELD(runtime_model_t, size),
    HARK_LAYOUT_FIELD(runtime_model_t, root),
    HARK_LAYOUT_TYPE(runtime_t),
    HARK_LAYOUT_FIELD(runtime_t, impl), /* NOLINT(bugprone-sizeof-expression): the pointer member's own size */
    HARK_LAYOUT_FIELD(runtime_t, error),
    HARK_LAYOUT_TYPE(runtime_tensor_info_t),
    HARK_LAYOUT_FIELD(runtime_tensor_info_t, data),
    HARK_LAYOUT_FIELD(runtime_tensor_info_t, bytes),
    HARK_LAYOUT_FIELD(runtime_tensor_info_t, type),
    HARK_LAYOUT_FIELD(runtime_tensor_info_t, rank),
    HARK_LAYOUT_FIELD(runtime_tensor_info_t, dims),
    HARK_LAYOUT_FIELD(runtime_tensor_info_t, scale),
    HARK_LAYOUT_FIELD(runtime_tensor_info_t, zero_point),
    HARK_LAYOUT_TYPE(runtime_profiler_t),
    HARK_LAYOUT_FIELD(runtime_profiler_t, now),
    HARK_LAYOUT_FIELD(runtime_profiler_t, elapsed),
    HARK_LAYOUT_FIELD(runtime_profiler_t, report),
    HARK_LAYOUT_FIELD(runtime_profiler_t, user),
};

HARK_LAYOUT_EXPORT(runtime, table)

/* The resolver with every kernel this runtime has (host tools and tests). An app that runs one
 * model lists only its ops instead, so the linker leaves the others out of flash. */
#include "kernel.h"

static const runtime_kernel_t *const all[] = {
#define RT_OP(op, code) &rt_kernel_##op,
#include "runtime_ops.def"
#undef RT_OP
};

const runtime_ops_t runtime_all_ops = {all, sizeof all / sizeof all[0], runtime_builtin_name};

/* frontend_config_t's layout for the host binding (see firmware/layout/layout.h); host builds only. */
#include "frontend.h"
#include "layout.h"

#define FRONTEND__LAYOUT(type, name, default_value, in_spec) HARK_LAYOUT_FIELD(frontend_config_t, name),
static const hark_layout_t table[] = {
    HARK_LAYOUT_TYPE(frontend_config_t),
    FRONTEND_SETTINGS(FRONTEND__LAYOUT)
};
#undef FRONTEND__LAYOUT

HARK_LAYOUT_EXPORT(frontend, table)

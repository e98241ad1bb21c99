/* The layouts of pdm.h's shared structs for the host binding (see firmware/layout/layout.h). */
#include "layout.h"
#include "pdm.h"

static const hark_layout_t table[] = {
    HARK_LAYOUT_TYPE(pdm_t),
    HARK_LAYOUT_FIELD(pdm_t, words),
    HARK_LAYOUT_FIELD(pdm_t, cic),
    HARK_LAYOUT_FIELD(pdm_t, pos),
    HARK_LAYOUT_FIELD(pdm_t, phase),
    HARK_LAYOUT_FIELD(pdm_t, shift),
    HARK_LAYOUT_TYPE(pdm_dc_t),
    HARK_LAYOUT_FIELD(pdm_dc_t, x1),
    HARK_LAYOUT_FIELD(pdm_dc_t, y1),
    HARK_LAYOUT_FIELD(pdm_dc_t, pole),
    HARK_LAYOUT_FIELD(pdm_dc_t, scale_log2),
};

HARK_LAYOUT_EXPORT(pdm, table)

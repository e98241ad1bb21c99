/* What the host twin reads from the build (host builds only): the layouts of kws.h's shared structs (see
 * firmware/layout/layout.h) and the app's arena size, so the twin runs in the arena the board has. */
#include "kws.h"
#include "layout.h"

#ifndef HARK_ARENA_BYTES
#error "HARK_ARENA_BYTES comes from firmware/CMakeLists.txt"
#endif

uint32_t hark_kws_app_arena_bytes(void);
uint32_t hark_kws_app_arena_bytes(void) { return (uint32_t)(HARK_ARENA_BYTES); }

static const hark_layout_t table[] = {
    HARK_LAYOUT_TYPE(kws_recognition_t),
    HARK_LAYOUT_FIELD(kws_recognition_t, average_window_ms),
    HARK_LAYOUT_FIELD(kws_recognition_t, detection_threshold),
    HARK_LAYOUT_FIELD(kws_recognition_t, suppression_ms),
    HARK_LAYOUT_FIELD(kws_recognition_t, minimum_count),
    HARK_LAYOUT_TYPE(kws_hop_t),
    HARK_LAYOUT_FIELD(kws_hop_t, hop),
    HARK_LAYOUT_FIELD(kws_hop_t, time_ms),
    HARK_LAYOUT_FIELD(kws_hop_t, frontend),
    HARK_LAYOUT_FIELD(kws_hop_t, inference),
    HARK_LAYOUT_FIELD(kws_hop_t, recognize),
    HARK_LAYOUT_FIELD(kws_hop_t, invoked),
    HARK_LAYOUT_FIELD(kws_hop_t, detected),
    HARK_LAYOUT_FIELD(kws_hop_t, label),
    HARK_LAYOUT_FIELD(kws_hop_t, score),
    HARK_LAYOUT_FIELD(kws_hop_t, scores),
    HARK_LAYOUT_FIELD(kws_hop_t, score_count),
};

HARK_LAYOUT_EXPORT(kws, table)

/* The layouts of recognize.h's shared structs for the host binding (see firmware/layout/layout.h). */
#include "layout.h"
#include "recognize.h"

static const hark_layout_t table[] = {
    HARK_LAYOUT_TYPE(hark_recognize_config_t),
    HARK_LAYOUT_FIELD(hark_recognize_config_t, average_window_ms),
    HARK_LAYOUT_FIELD(hark_recognize_config_t, detection_threshold),
    HARK_LAYOUT_FIELD(hark_recognize_config_t, suppression_ms),
    HARK_LAYOUT_FIELD(hark_recognize_config_t, minimum_count),
    HARK_LAYOUT_FIELD(hark_recognize_config_t, score_zero_point),
    HARK_LAYOUT_FIELD(hark_recognize_config_t, silence_label),
    HARK_LAYOUT_TYPE(hark_recognize_result_t),
    HARK_LAYOUT_FIELD(hark_recognize_result_t, label),
    HARK_LAYOUT_FIELD(hark_recognize_result_t, score),
    HARK_LAYOUT_FIELD(hark_recognize_result_t, is_new),
};

HARK_LAYOUT_EXPORT(recognize, table)

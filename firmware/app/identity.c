#include "identity.h"

#include "board.h"
#include "model_store.h"
#include "pipeline.h"

void identity_fill(hark_msg_IDENTITY_t *m) {
  const board_info_t *b = board_info();
  *m = (hark_msg_IDENTITY_t){
      .protocol = HARK_PROTO_VERSION,
      .counter_kind = (uint8_t)b->counter_kind,
      .has_microphone = (uint8_t)(b->has_microphone != 0),
      .audio_window = HARK_PROTO_AUDIO_WINDOW,
      .max_payload = HARK_PROTO_MAX_PAYLOAD,
      .clock_hz = b->clock_hz,
      .flash_used = (uint32_t)board_flash_used(),
      .static_ram_used = (uint32_t)board_static_ram_used(),
      .stack_size = (uint32_t)board_stack_size(),
      .stack_peak = (uint32_t)board_stack_peak(),
      .arena_size = pipeline_arena_size(),
      .arena_used = pipeline_arena_used(),
      .model_size = pipeline_model_size(),
      .upload_capacity = model_store_capacity(),
      .flash_capacity = model_store_flash_capacity(),
      .board = hark_s8(b->name),
      .cpu = hark_s8(b->cpu),
      .firmware = hark_s8(HARK_VERSION),
      .build = hark_s8(HARK_BUILD_ID),
      .model_name = hark_s8(pipeline_model_name()),
      .model_hash = hark_s8(pipeline_model_hash()),
      .clock = hark_s8(b->clock ? b->clock : ""),
  };
}

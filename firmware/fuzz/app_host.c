#include "app_host.h"

#include <setjmp.h>
#include <stdlib.h>

#include "board_host.h"
#include "model_store.h"

int hark_app_main(void);

static jmp_buf done;
static hark_parser_t out_parser;
static app_frame_fn frame_fn;
static void *frame_user;

static void idle(void) { longjmp(done, 1); }

static void on_output(void *user, const uint8_t *data, size_t len) {
  (void)user;
  for (size_t i = 0; i < len; i++) {
    hark_frame_t f;
    int rc = hark_parser_push(&out_parser, data[i], &f);
    if (rc == HARK_PARSE_FRAME) {
      if (f.type == HARK_MSG_ERROR) { /* every error names its cause in words */
        hark_msg_ERROR_t e;
        if (hark_unpack_ERROR(f.payload, f.len, &e) || e.text.len == 0) abort();
      }
      if (frame_fn) frame_fn(frame_user, &f);
    } else if (rc != HARK_PARSE_NONE) {
      abort(); /* the device must only send well-formed frames */
    }
  }
}

void app_host_run(const uint8_t *in, size_t len, app_frame_fn on_frame, void *user) {
  frame_fn = on_frame;
  frame_user = user;
  hark_parser_init(&out_parser);
  (void)model_store_begin(0, 0); /* refused, but it forgets any previous upload: a clean start */
  host_board_set_input(in, len);
  host_board_set_output(on_output, NULL);
  host_board_set_idle(idle);
  if (setjmp(done) == 0) hark_app_main();
}

int app_stream_frame(app_stream_t *s, uint8_t type, uint8_t seq, const uint8_t *payload, int32_t len) {
  if (len < 0 || s->cap - s->len < HARK_PROTO_MAX_ENCODED) return 0;
  size_t n = hark_frame_encode(s->buf + s->len, s->cap - s->len, type, seq, payload, (uint16_t)len);
  s->len += n;
  return n != 0;
}

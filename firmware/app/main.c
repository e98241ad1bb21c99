/* The minimal app: a line-based identity/ping service over the serial line. The framed protocol
 * replaces it; it exists so the board, the serial link and the harness are proven end to end. */
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "identity.h"

#define LINE_MAX_LEN 64u

static void send_text(const char *text) { board_serial_write((const uint8_t *)text, strlen(text)); }

static void handle_line(const char *line) {
  char out[256];
  if (strcmp(line, "ID") == 0) {
    size_t n = identity_line(out, sizeof out);
    board_serial_write((const uint8_t *)out, n);
  } else if (strcmp(line, "PING") == 0) {
    send_text("PONG\n");
  } else {
    send_text("ERR unknown command\n");
  }
}

int main(void) {
  board_init();
  send_text("READY hark " HARK_VERSION "\n");

  char line[LINE_MAX_LEN];
  size_t len = 0;
  int overflow = 0;
  for (;;) {
    uint8_t byte;
    if (board_serial_read(&byte, 1) == 0) {
      board_wait_for_event();
      continue;
    }
    if (byte == '\r') continue;
    if (byte != '\n') {
      if (len + 1 < LINE_MAX_LEN) {
        line[len++] = (char)byte;
      } else {
        overflow = 1;
      }
      continue;
    }
    line[len] = '\0';
    if (overflow) {
      send_text("ERR line too long\n");
    } else if (len) {
      handle_line(line);
    }
    len = 0;
    overflow = 0;
  }
}

/* The host board's extras beyond board.h: where its serial line comes from and goes to. A host build of
 * the app (firmware/fuzz, tools/soak.py's host mode) is the real app with this board underneath. */
#ifndef HARK_BOARD_HOST_H
#define HARK_BOARD_HOST_H

#include <stddef.h>
#include <stdint.h>

/* Serial input from a buffer (the bytes must outlive the reads). With no buffer set, the board reads
 * file descriptor 0. */
void host_board_set_input(const uint8_t *data, size_t len);
/* Serial output to a callback (NULL: file descriptor 1). */
void host_board_set_output(void (*write)(void *user, const uint8_t *data, size_t len), void *user);
/* Called by board_wait_for_event() when the buffered input is used up (a harness longjmps out of main
 * here). Without one, end of input exits the process with code 0. */
void host_board_set_idle(void (*idle)(void));

/* A microphone reading `samples` (NULL: no microphone, the default), whose overrun count grows by `lose`
 * blocks once `lose_after_blocks` blocks have been read. Takes effect at the next board_init(). */
void host_board_set_microphone(const int16_t *samples, size_t count, size_t lose_after_blocks, uint32_t lose);

/* The model flash region: 64 KB in 4 KB sectors, 8-byte program units. A test reaches it to inject a
 * fault (fail_after) or to look at what was programmed. */
#define HOST_FLASH_BYTES 65536u
#define HOST_FLASH_SECTOR_BYTES 4096u
struct ram_flash_t;
struct ram_flash_t *host_board_flash(void);

#endif

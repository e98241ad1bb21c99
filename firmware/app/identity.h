/* The board's identity: the IDENTITY message. */
#ifndef HARK_APP_IDENTITY_H
#define HARK_APP_IDENTITY_H

#include "protocol.h"

/* Fills an IDENTITY message from the board, the build and the active model. */
void identity_fill(hark_msg_IDENTITY_t *m);

#endif

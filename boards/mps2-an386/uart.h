#ifndef HARK_MPS2_UART_H
#define HARK_MPS2_UART_H

void uart_init(void);
int uart_rx_pending(void);

#endif

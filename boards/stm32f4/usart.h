/* The console: one STM32F4 USART with an interrupt-fed receive ring. */
#ifndef HARK_STM32F4_USART_H
#define HARK_STM32F4_USART_H

#include <stdint.h>

void usart_init(uint32_t pclk_hz, uint32_t baud);
int usart_rx_pending(void);

#endif

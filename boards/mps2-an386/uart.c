/* CMSDK UART0 with an interrupt-fed receive ring, so bytes that arrive during a long inference
 * are kept (up to the ring size) and any loss is counted. */
#include <stdint.h>

#include "board.h"
#include "mps2_an386.h"
#include "uart.h"

#define RX_RING_SIZE 4096u /* a power of two; 128 ms of 16 kHz int16 audio */

static volatile uint8_t rx_ring[RX_RING_SIZE];
static volatile uint32_t rx_head; /* written by the ISR */
static volatile uint32_t rx_tail; /* written by the main loop */
static volatile uint32_t rx_overruns;

void UART0RX_Handler(void);
void UART0RX_Handler(void) {
  UART0_INTSTATUS = UART_INT_RX; /* write-one-to-clear */
  while (UART0_STATE & UART_STATE_RX_FULL) {
    uint8_t byte = (uint8_t)UART0_DATA;
    uint32_t head = rx_head;
    if (head - rx_tail < RX_RING_SIZE) {
      rx_ring[head & (RX_RING_SIZE - 1u)] = byte;
      rx_head = head + 1u;
    } else {
      rx_overruns++;
    }
  }
}

void uart_init(void) {
  UART0_BAUDDIV = 16u;
  UART0_CTRL = UART_CTRL_TX_EN | UART_CTRL_RX_EN | UART_CTRL_RX_INT_EN;
  NVIC_ISER0 = 1u << UART0_RX_IRQ;
}

size_t board_serial_read(uint8_t *buf, size_t len) {
  size_t n = 0;
  while (n < len && rx_tail != rx_head) {
    buf[n++] = rx_ring[rx_tail & (RX_RING_SIZE - 1u)];
    rx_tail = rx_tail + 1u;
  }
  return n;
}

void board_serial_write(const uint8_t *buf, size_t len) {
  for (size_t i = 0; i < len; i++) {
    while (UART0_STATE & UART_STATE_TX_FULL) {
    }
    UART0_DATA = buf[i];
  }
}

uint32_t board_serial_rx_overruns(void) { return rx_overruns; }

int uart_rx_pending(void) { return rx_tail != rx_head; }

/* USART1 (PB6 TX, PB7 RX, AF7) with an interrupt-fed receive ring; the L4 register layout (ISR, RDR, TDR). */
#include "board.h"
#include "stm32l475.h"

#define RX_RING_SIZE 4096u

void usart1_init(uint32_t pclk_hz, uint32_t baud);
int usart1_rx_pending(void);
void USART1_IRQHandler(void);

static volatile uint8_t rx_ring[RX_RING_SIZE];
static volatile uint32_t rx_head, rx_tail, rx_overruns;

void USART1_IRQHandler(void) {
  uint32_t isr;
  while ((isr = USART_ISR(USART1_BASE)) & (USART_ISR_RXNE | USART_ISR_ORE)) {
    if (isr & USART_ISR_ORE) {
      USART_ICR(USART1_BASE) = USART_ISR_ORE; /* ORECF: the hardware lost a byte */
      rx_overruns++;
    }
    if (!(isr & USART_ISR_RXNE)) continue;
    uint8_t byte = (uint8_t)USART_RDR(USART1_BASE);
    uint32_t head = rx_head;
    if (head - rx_tail < RX_RING_SIZE) {
      rx_ring[head & (RX_RING_SIZE - 1u)] = byte;
      rx_head = head + 1u;
    } else {
      rx_overruns++;
    }
  }
}

static void pin_af7(uint32_t gpio, uint32_t pin) {
  GPIO_MODER(gpio) = (GPIO_MODER(gpio) & ~(3u << (2u * pin))) | (2u << (2u * pin));
  uint32_t shift = 4u * (pin & 7u);
  GPIO_AFR(gpio, pin) = (GPIO_AFR(gpio, pin) & ~(0xFu << shift)) | (7u << shift);
}

void usart1_init(uint32_t pclk_hz, uint32_t baud) {
  RCC_AHB2ENR |= 1u << 1;  /* GPIOB */
  RCC_APB2ENR |= 1u << 14; /* USART1 */
  pin_af7(GPIOB_BASE, 6u);
  pin_af7(GPIOB_BASE, 7u);
  USART_BRR(USART1_BASE) = (pclk_hz + baud / 2u) / baud;
  USART_CR1(USART1_BASE) = (1u << 5) | (1u << 3) | (1u << 2) | 1u; /* RXNEIE, TE, RE, UE */
  NVIC_ISER(USART1_IRQ / 32u) = 1u << (USART1_IRQ % 32u);
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
    while (!(USART_ISR(USART1_BASE) & USART_ISR_TXE)) {
    }
    USART_TDR(USART1_BASE) = buf[i];
  }
}

uint32_t board_serial_rx_overruns(void) { return rx_overruns; }

int usart1_rx_pending(void) { return rx_tail != rx_head; }

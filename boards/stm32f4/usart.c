/* The console USART (HARK_CONSOLE_USART 1 or 2) with an interrupt-fed receive ring, so bytes that
 * arrive during a long inference are kept (up to the ring size) and any loss is counted. */
#include "usart.h"

#include "board.h"
#include "stm32f4.h"

#if HARK_CONSOLE_USART == 1
#define CON USART1_BASE
#define CON_IRQ USART1_IRQ
#define CON_GPIO GPIOA_BASE
#define CON_TX_PIN 9u /* PA9/PA10, AF7 */
#define CON_RX_PIN 10u
#elif HARK_CONSOLE_USART == 2
#define CON USART2_BASE
#define CON_IRQ USART2_IRQ
#define CON_GPIO GPIOA_BASE
#define CON_TX_PIN 2u /* PA2/PA3, AF7: the ST-LINK virtual COM port on NUCLEO and Discovery boards */
#define CON_RX_PIN 3u
#else
#error "HARK_CONSOLE_USART must be 1 or 2"
#endif

#define RX_RING_SIZE 4096u /* a power of two; 128 ms of 16 kHz int16 audio */

static volatile uint8_t rx_ring[RX_RING_SIZE];
static volatile uint32_t rx_head; /* written by the ISR */
static volatile uint32_t rx_tail; /* written by the main loop */
static volatile uint32_t rx_overruns;

static void rx_isr(void) {
  uint32_t sr;
  while ((sr = USART_SR(CON)) & (USART_SR_RXNE | USART_SR_ORE)) {
    uint8_t byte = (uint8_t)USART_DR(CON); /* reading DR after SR also clears ORE */
    if (sr & USART_SR_ORE) rx_overruns++;   /* the hardware lost a byte before this one */
    if (!(sr & USART_SR_RXNE)) continue;
    uint32_t head = rx_head;
    if (head - rx_tail < RX_RING_SIZE) {
      rx_ring[head & (RX_RING_SIZE - 1u)] = byte;
      rx_head = head + 1u;
    } else {
      rx_overruns++;
    }
  }
}

void USART1_IRQHandler(void);
void USART2_IRQHandler(void);
#if HARK_CONSOLE_USART == 1
void USART1_IRQHandler(void) { rx_isr(); }
#else
void USART2_IRQHandler(void) { rx_isr(); }
#endif

static void pin_af7(uint32_t gpio, uint32_t pin) {
  GPIO_MODER(gpio) = (GPIO_MODER(gpio) & ~(3u << (2u * pin))) | (2u << (2u * pin));
  GPIO_OSPEEDR(gpio) |= 2u << (2u * pin);
  uint32_t shift = 4u * (pin & 7u);
  GPIO_AFR(gpio, pin) = (GPIO_AFR(gpio, pin) & ~(0xFu << shift)) | (7u << shift);
}

void usart_init(uint32_t pclk_hz, uint32_t baud) {
  RCC_AHB1ENR |= RCC_AHB1ENR_GPIOAEN;
#if HARK_CONSOLE_USART == 1
  RCC_APB2ENR |= RCC_APB2ENR_USART1EN;
#else
  RCC_APB1ENR |= RCC_APB1ENR_USART2EN;
#endif
  pin_af7(CON_GPIO, CON_TX_PIN);
  pin_af7(CON_GPIO, CON_RX_PIN);
  USART_BRR(CON) = (pclk_hz + baud / 2u) / baud; /* 16x oversampling: mantissa.fraction = pclk / baud */
  USART_CR1(CON) = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE | USART_CR1_RXNEIE;
  NVIC_ISER(CON_IRQ / 32u) = 1u << (CON_IRQ % 32u);
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
    /* TXE is modelled by QEMU and always set there; on hardware it paces the line. */
    while (!(USART_SR(CON) & USART_SR_TXE)) {
    }
    USART_DR(CON) = buf[i];
  }
}

uint32_t board_serial_rx_overruns(void) { return rx_overruns; }

int usart_rx_pending(void) { return rx_tail != rx_head; }

#include "pdm_mic.h"

#include <string.h>

#include "pdm.h"
#include "stm32f4.h"

#define HALF_WORDS 1280u /* 20 ms of 1.024 MHz PDM in 16-bit words */
#define HALF_SAMPLES (HALF_WORDS / PDM_WORDS_PER_SAMPLE)
#define MIC_GAIN_LOG2 4  /* MP45DT02: -26 dBFS at 94 dB SPL; x16 puts speech near the app's usual levels */
#define DMA_STREAM 3u
#define READY_POLLS 200000u

static uint16_t dma_buf[2 * HALF_WORDS]; /* in SRAM: DMA cannot reach CCM */
static volatile uint32_t halves_done;    /* halves the DMA finished, written by the ISR */
static uint32_t halves_read;
static uint32_t overruns;
static pdm_t pdm;
static int16_t block[HALF_SAMPLES];
static uint32_t block_pos = HALF_SAMPLES, block_len = HALF_SAMPLES;

void DMA1_Stream3_IRQHandler(void);
void DMA1_Stream3_IRQHandler(void) {
  uint32_t isr = DMA_LISR(DMA1_BASE);
  /* Stream 3 flags: HTIF3 bit 26, TCIF3 bit 27 (TEIF3 25, DMEIF3 24, FEIF3 22 cleared with them). */
  DMA_LIFCR(DMA1_BASE) = isr & ((1u << 27) | (1u << 26) | (1u << 25) | (1u << 24) | (1u << 22));
  if (isr & ((1u << 26) | (1u << 27))) halves_done = halves_done + 1u;
}

static void pin_af5(uint32_t gpio, uint32_t pin) {
  GPIO_MODER(gpio) = (GPIO_MODER(gpio) & ~(3u << (2u * pin))) | (2u << (2u * pin));
  GPIO_OSPEEDR(gpio) |= 2u << (2u * pin);
  uint32_t shift = 4u * (pin & 7u);
  GPIO_AFR(gpio, pin) = (GPIO_AFR(gpio, pin) & ~(0xFu << shift)) | (5u << shift);
}

int pdm_mic_start(const clock_state_t *clk) {
  /* The PLLI2S shares the main PLL's 1 MHz input: without the HSE PLL there is no exact 1.024 MHz. */
  if (clk->sysclk_hz != HARK_SYSCLK_HZ) return -1;
  RCC_AHB1ENR |= RCC_AHB1ENR_GPIOBEN | RCC_AHB1ENR_GPIOCEN | RCC_AHB1ENR_DMA1EN;
  RCC_APB1ENR |= RCC_APB1ENR_SPI2EN;
  pin_af5(GPIOB_BASE, 10u); /* I2S2_CK -> MP45DT02 CLK */
  pin_af5(GPIOC_BASE, 3u);  /* I2S2_SD <- MP45DT02 DOUT */

  /* I2S clock 1 MHz x 256 / 5 = 51.2 MHz; bit clock 51.2 MHz / (2 x 25) = 1.024 MHz exactly. */
  RCC_PLLI2SCFGR = (256u << 6) | (5u << 28);
  RCC_CR |= RCC_CR_PLLI2SON;
  uint32_t i = 0;
  while (!(RCC_CR & RCC_CR_PLLI2SRDY)) {
    if (++i == READY_POLLS) return -1;
  }

  pdm_init(&pdm, MIC_GAIN_LOG2);
  /* DMA1 stream 3 channel 0 = SPI2_RX: peripheral to memory, 16-bit, circular, half and full interrupts. */
  DMA_SCR(DMA1_BASE, DMA_STREAM) = 0;
  DMA_SPAR(DMA1_BASE, DMA_STREAM) = SPI2_BASE + 0x0Cu;
  DMA_SM0AR(DMA1_BASE, DMA_STREAM) = (uint32_t)(uintptr_t)dma_buf;
  DMA_SNDTR(DMA1_BASE, DMA_STREAM) = 2u * HALF_WORDS;
  DMA_SCR(DMA1_BASE, DMA_STREAM) = (0u << 25) | (1u << 13) | (1u << 11) | (1u << 10) | (1u << 8) | (1u << 16) |
                                   (1u << 4) | (1u << 3); /* CHSEL 0, 16/16 bit, MINC, CIRC, PL medium, TC, HT */
  DMA_SCR(DMA1_BASE, DMA_STREAM) |= 1u;                   /* EN */
  NVIC_ISER(DMA1_STREAM3_IRQ / 32u) = 1u << (DMA1_STREAM3_IRQ % 32u);

  SPI_I2SPR(SPI2_BASE) = 25u;                             /* I2SDIV 25, ODD 0, no master clock output */
  SPI_CR2(SPI2_BASE) = SPI_CR2_RXDMAEN;
  SPI_I2SCFGR(SPI2_BASE) = (1u << 11) | (3u << 8);        /* I2S mode, master receive, Philips, 16-bit */
  SPI_I2SCFGR(SPI2_BASE) |= 1u << 10;                     /* I2SE */
  return 0;
}

int pdm_mic_ready(void) { return halves_done != halves_read || block_pos < block_len; }

int32_t pdm_mic_read(int16_t *samples, size_t n) {
  if (block_pos == block_len) {
    uint32_t done = halves_done;
    if (done == halves_read) return 0;
    if (done - halves_read > 1u) { /* the DMA lapped the reader: older halves are overwritten */
      overruns += done - halves_read - 1u;
      halves_read = done - 1u;
    }
    const uint16_t *half = &dma_buf[(halves_read & 1u) * HALF_WORDS];
    halves_read++;
    block_len = (uint32_t)pdm_process(&pdm, half, HALF_WORDS, block, HALF_SAMPLES);
    block_pos = 0;
  }
  uint32_t take = block_len - block_pos;
  if (take > n) take = (uint32_t)n;
  memcpy(samples, &block[block_pos], take * sizeof(int16_t));
  block_pos += take;
  return (int32_t)take;
}

uint32_t pdm_mic_overruns(void) { return overruns; }

/* The STM32F4 registers this board port touches (RM0090 for F405/F407, RM0383 for F411, RM0390 for
 * F446), written out by hand: the port uses no vendor HAL or CMSIS device header. */
#ifndef HARK_STM32F4_H
#define HARK_STM32F4_H

#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(addr))

/* Cortex-M4 core */
#define SCB_CPACR REG32(0xE000ED88u)
#define SCB_AIRCR REG32(0xE000ED0Cu)
#define NVIC_ISER(n) REG32(0xE000E100u + 4u * (n))
#define SYST_CSR REG32(0xE000E010u)
#define SYST_RVR REG32(0xE000E014u)
#define SYST_CVR REG32(0xE000E018u)
#define DEMCR REG32(0xE000EDFCu)
#define DEMCR_TRCENA (1u << 24)
#define DWT_CTRL REG32(0xE0001000u)
#define DWT_CYCCNT REG32(0xE0001004u)
#define DWT_LAR REG32(0xE0001FB0u)
#define DWT_CTRL_CYCCNTENA (1u << 0)

/* RCC */
#define RCC_BASE 0x40023800u
#define RCC_CR REG32(RCC_BASE + 0x00u)
#define RCC_PLLCFGR REG32(RCC_BASE + 0x04u)
#define RCC_CFGR REG32(RCC_BASE + 0x08u)
#define RCC_AHB1ENR REG32(RCC_BASE + 0x30u)
#define RCC_APB1ENR REG32(RCC_BASE + 0x40u)
#define RCC_APB2ENR REG32(RCC_BASE + 0x44u)
#define RCC_CSR REG32(RCC_BASE + 0x74u)
#define RCC_PLLI2SCFGR REG32(RCC_BASE + 0x84u)
#define RCC_CR_HSION (1u << 0)
#define RCC_CR_HSIRDY (1u << 1)
#define RCC_CR_HSEON (1u << 16)
#define RCC_CR_HSERDY (1u << 17)
#define RCC_CR_HSEBYP (1u << 18)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)
#define RCC_CR_PLLI2SON (1u << 26)
#define RCC_CR_PLLI2SRDY (1u << 27)
#define RCC_PLLCFGR_SRC_HSE (1u << 22)
#define RCC_CFGR_SW_MASK 3u
#define RCC_CFGR_SW_HSI 0u
#define RCC_CFGR_SW_PLL 2u
#define RCC_CFGR_SWS(v) (((v) >> 2) & 3u)
#define RCC_CFGR_PPRE1_DIV4 (5u << 10)
#define RCC_CFGR_PPRE2_DIV2 (4u << 13)
#define RCC_CFGR_I2SSRC_EXT (1u << 23)
#define RCC_APB1ENR_TIM2EN (1u << 0)
#define RCC_APB1ENR_SPI2EN (1u << 14)
#define RCC_APB1ENR_USART2EN (1u << 17)
#define RCC_APB1ENR_PWREN (1u << 28)
#define RCC_APB2ENR_USART1EN (1u << 4)
#define RCC_AHB1ENR_GPIOAEN (1u << 0)
#define RCC_AHB1ENR_GPIOBEN (1u << 1)
#define RCC_AHB1ENR_GPIOCEN (1u << 2)
#define RCC_AHB1ENR_DMA1EN (1u << 21)
#define RCC_CSR_RMVF (1u << 24)
#define RCC_CSR_PINRSTF (1u << 26)
#define RCC_CSR_PORRSTF (1u << 27)
#define RCC_CSR_SFTRSTF (1u << 28)
#define RCC_CSR_IWDGRSTF (1u << 29)
#define RCC_CSR_WWDGRSTF (1u << 30)

/* Flash interface and power */
#define FLASH_ACR REG32(0x40023C00u)
#define FLASH_ACR_PRFTEN (1u << 8)
#define FLASH_ACR_ICEN (1u << 9)
#define FLASH_ACR_DCEN (1u << 10)
#define FLASH_KEYR REG32(0x40023C04u)
#define FLASH_SR REG32(0x40023C0Cu)
#define FLASH_CR REG32(0x40023C10u)
#define FLASH_SR_ERRORS 0x1F2u /* OPERR, WRPERR, PGAERR, PGPERR, PGSERR, RDERR (F446): write 1 to clear */
#define FLASH_CR_PG (1u << 0)
#define FLASH_CR_SER (1u << 1)
#define FLASH_CR_SNB(n) ((uint32_t)(n) << 3)
#define FLASH_CR_PSIZE_X32 (2u << 8) /* 32-bit parallelism: VDD 2.7-3.6 V, as on these boards */
#define FLASH_CR_STRT (1u << 16)
#define PWR_CR REG32(0x40007000u)

/* GPIO ports: MODER, OTYPER, OSPEEDR, PUPDR, IDR, ODR, BSRR, LCKR, AFRL, AFRH */
#define GPIOA_BASE 0x40020000u
#define GPIOB_BASE 0x40020400u
#define GPIOC_BASE 0x40020800u
#define GPIO_MODER(b) REG32((b) + 0x00u)
#define GPIO_OSPEEDR(b) REG32((b) + 0x08u)
#define GPIO_PUPDR(b) REG32((b) + 0x0Cu)
#define GPIO_AFR(b, pin) REG32((b) + 0x20u + 4u * ((pin) >> 3))

/* USART (F4 layout: SR, DR, BRR, CR1...) */
#define USART1_BASE 0x40011000u
#define USART2_BASE 0x40004400u
#define USART_SR(b) REG32((b) + 0x00u)
#define USART_DR(b) REG32((b) + 0x04u)
#define USART_BRR(b) REG32((b) + 0x08u)
#define USART_CR1(b) REG32((b) + 0x0Cu)
#define USART_CR3(b) REG32((b) + 0x14u)
#define USART_SR_ORE (1u << 3)
#define USART_SR_RXNE (1u << 5)
#define USART_SR_TXE (1u << 7)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_CR1_RXNEIE (1u << 5)
#define USART_CR1_UE (1u << 13)
#define USART1_IRQ 37u
#define USART2_IRQ 38u

/* General-purpose 32-bit timer TIM2 */
#define TIM2_BASE 0x40000000u
#define TIM_CR1(b) REG32((b) + 0x00u)
#define TIM_EGR(b) REG32((b) + 0x14u)
#define TIM_CNT(b) REG32((b) + 0x24u)
#define TIM_PSC(b) REG32((b) + 0x28u)
#define TIM_ARR(b) REG32((b) + 0x2Cu)

/* SPI2 / I2S2 */
#define SPI2_BASE 0x40003800u
#define SPI_CR2(b) REG32((b) + 0x04u)
#define SPI_SR(b) REG32((b) + 0x08u)
#define SPI_DR(b) REG32((b) + 0x0Cu)
#define SPI_I2SCFGR(b) REG32((b) + 0x1Cu)
#define SPI_I2SPR(b) REG32((b) + 0x20u)
#define SPI_CR2_RXDMAEN (1u << 0)

/* DMA1 streams: CR, NDTR, PAR, M0AR, M1AR, FCR at 0x10 + 0x18 * stream */
#define DMA1_BASE 0x40026000u
#define DMA_LISR(b) REG32((b) + 0x00u)
#define DMA_LIFCR(b) REG32((b) + 0x08u)
#define DMA_SCR(b, s) REG32((b) + 0x10u + 0x18u * (s))
#define DMA_SNDTR(b, s) REG32((b) + 0x14u + 0x18u * (s))
#define DMA_SPAR(b, s) REG32((b) + 0x18u + 0x18u * (s))
#define DMA_SM0AR(b, s) REG32((b) + 0x1Cu + 0x18u * (s))
#define DMA_SFCR(b, s) REG32((b) + 0x24u + 0x18u * (s))
#define DMA1_STREAM3_IRQ 14u

#endif

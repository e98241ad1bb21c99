/* The STM32L475 registers this board port touches (RM0351), written out by hand: no vendor HAL. The L4's
 * RCC, GPIO (on AHB2), USART (ISR/RDR/TDR) and DMA (channels) differ from the F4's: its own driver. */
#ifndef HARK_STM32L475_H
#define HARK_STM32L475_H

#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(addr))

#define NVIC_ISER(n) REG32(0xE000E100u + 4u * (n))
#define DEMCR REG32(0xE000EDFCu)
#define DWT_CTRL REG32(0xE0001000u)
#define DWT_CYCCNT REG32(0xE0001004u)

#define RCC_BASE 0x40021000u
#define RCC_CR REG32(RCC_BASE + 0x00u)
#define RCC_CFGR REG32(RCC_BASE + 0x08u)
#define RCC_PLLCFGR REG32(RCC_BASE + 0x0Cu)
#define RCC_AHB1ENR REG32(RCC_BASE + 0x48u)
#define RCC_AHB2ENR REG32(RCC_BASE + 0x4Cu)
#define RCC_APB1ENR1 REG32(RCC_BASE + 0x58u)
#define RCC_APB2ENR REG32(RCC_BASE + 0x60u)
#define RCC_CCIPR REG32(RCC_BASE + 0x88u)
#define RCC_CSR REG32(RCC_BASE + 0x94u)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)
#define RCC_CSR_PINRSTF (1u << 26)
#define RCC_CSR_BORRSTF (1u << 27)
#define RCC_CSR_SFTRSTF (1u << 28)
#define RCC_CSR_IWDGRSTF (1u << 29)
#define RCC_CSR_WWDGRSTF (1u << 30)

#define FLASH_ACR REG32(0x40022000u)
#define FLASH_KEYR REG32(0x40022008u)
#define FLASH_SR REG32(0x40022010u)
#define FLASH_CR REG32(0x40022014u)
/* OPERR, PROGERR, WRPERR, PGAERR, SIZERR, PGSERR, MISERR, FASTERR, RDERR, OPTVERR: write 1 to clear */
#define FLASH_SR_ERRORS 0xC3FAu
#define FLASH_CR_PG (1u << 0)
#define FLASH_CR_PER (1u << 1)
#define FLASH_CR_PNB(n) ((uint32_t)(n) << 3) /* page in its bank, 0-255 */
#define FLASH_CR_BKER (1u << 11)           /* bank 2 */
#define FLASH_CR_STRT (1u << 16)
#define RCC_APB2ENR_SYSCFGEN (1u << 0)
#define SYSCFG_MEMRMP REG32(0x40010000u)
#define SYSCFG_MEMRMP_FB_MODE (1u << 8) /* banks swapped: bank 2 at 0x08000000 */

#define GPIOB_BASE 0x48000400u
#define GPIOE_BASE 0x48001000u
#define GPIO_MODER(b) REG32((b) + 0x00u)
#define GPIO_OSPEEDR(b) REG32((b) + 0x08u)
#define GPIO_AFR(b, pin) REG32((b) + 0x20u + 4u * ((pin) >> 3))

#define USART1_BASE 0x40013800u
#define USART_CR1(b) REG32((b) + 0x00u)
#define USART_BRR(b) REG32((b) + 0x0Cu)
#define USART_ISR(b) REG32((b) + 0x1Cu)
#define USART_ICR(b) REG32((b) + 0x20u)
#define USART_RDR(b) REG32((b) + 0x24u)
#define USART_TDR(b) REG32((b) + 0x28u)
#define USART_ISR_ORE (1u << 3)
#define USART_ISR_RXNE (1u << 5)
#define USART_ISR_TXE (1u << 7)
#define USART1_IRQ 37u

/* DFSDM1: channel y at 0x20 * y, filter x at 0x100 + 0x80 * x */
#define DFSDM1_BASE 0x40016000u
#define DFSDM_CHCFGR1(y) REG32(DFSDM1_BASE + 0x20u * (y))
#define DFSDM_CHCFGR2(y) REG32(DFSDM1_BASE + 0x20u * (y) + 0x04u)
#define DFSDM_FLTCR1(x) REG32(DFSDM1_BASE + 0x100u + 0x80u * (x))
#define DFSDM_FLTCR2(x) REG32(DFSDM1_BASE + 0x104u + 0x80u * (x))
#define DFSDM_FLTFCR(x) REG32(DFSDM1_BASE + 0x114u + 0x80u * (x))
#define DFSDM_FLTRDATAR(x) (DFSDM1_BASE + 0x11Cu + 0x80u * (x))

/* DMA1 channel c (1..7) */
#define DMA1_BASE 0x40020000u
#define DMA_ISR REG32(DMA1_BASE + 0x00u)
#define DMA_IFCR REG32(DMA1_BASE + 0x04u)
#define DMA_CCR(c) REG32(DMA1_BASE + 0x08u + 0x14u * ((c) - 1u))
#define DMA_CNDTR(c) REG32(DMA1_BASE + 0x0Cu + 0x14u * ((c) - 1u))
#define DMA_CPAR(c) REG32(DMA1_BASE + 0x10u + 0x14u * ((c) - 1u))
#define DMA_CMAR(c) REG32(DMA1_BASE + 0x14u + 0x14u * ((c) - 1u))
#define DMA_CSELR REG32(DMA1_BASE + 0xA8u)
#define DMA1_CHANNEL4_IRQ 14u

#endif

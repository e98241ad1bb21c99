/* Registers of the MPS2 AN386 board that this board port uses (as QEMU models them). */
#ifndef HARK_MPS2_AN386_H
#define HARK_MPS2_AN386_H

#include <stdint.h>

#define REG32(addr) (*(volatile uint32_t *)(addr))

#define SCB_CPACR REG32(0xE000ED88u)
#define NVIC_ISER0 REG32(0xE000E100u)

/* CMSDK APB UART0 */
#define UART0_BASE 0x40004000u
#define UART0_DATA REG32(UART0_BASE + 0x00u)
#define UART0_STATE REG32(UART0_BASE + 0x04u)
#define UART0_CTRL REG32(UART0_BASE + 0x08u)
#define UART0_INTSTATUS REG32(UART0_BASE + 0x0Cu)
#define UART0_BAUDDIV REG32(UART0_BASE + 0x10u)
#define UART_STATE_TX_FULL (1u << 0)
#define UART_STATE_RX_FULL (1u << 1)
#define UART_CTRL_TX_EN (1u << 0)
#define UART_CTRL_RX_EN (1u << 1)
#define UART_CTRL_RX_INT_EN (1u << 3)
#define UART_INT_RX (1u << 1)
#define UART0_RX_IRQ 0u

/* FPGA IO: a free-running 25 MHz counter. QEMU has no DWT CYCCNT (it reads 0); with
 * -icount shift=7 every instruction advances virtual time by 128 ns, so 40 ns ticks convert
 * exactly to instructions. */
#define FPGAIO_COUNTER REG32(0x40028018u)
#define FPGAIO_NS_PER_TICK 40u
#define ICOUNT_NS_PER_INSN 128u

#endif

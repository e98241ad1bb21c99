/* The STM32F4 vector table: the core entries and the IRQs this port uses (USART1/2 console, DMA1
 * stream 3 for the I2S2 microphone); every other IRQ is Default_Handler, which reports and stops. */
#include "cortexm.h"

#define F4_IRQS 97 /* F446 has the most: 97 (F405/F407 82, F411 86); unused slots are harmless */

/* Weak: the variant's drivers define the ones they use. */
void USART1_IRQHandler(void);
void USART2_IRQHandler(void);
void DMA1_Stream3_IRQHandler(void);
__attribute__((weak)) void USART1_IRQHandler(void) { Default_Handler(); }
__attribute__((weak)) void USART2_IRQHandler(void) { Default_Handler(); }
__attribute__((weak)) void DMA1_Stream3_IRQHandler(void) { Default_Handler(); }

__attribute__((section(".isr_vector"), used)) const vector_t hark_vectors[16 + F4_IRQS] = {
    CORTEXM_CORE_VECTORS,
    [16 ... 16 + 13] = Default_Handler,
    [16 + 14] = DMA1_Stream3_IRQHandler,
    [16 + 15 ... 16 + 36] = Default_Handler,
    [16 + 37] = USART1_IRQHandler,
    [16 + 38] = USART2_IRQHandler,
    [16 + 39 ... 16 + F4_IRQS - 1] = Default_Handler,
};

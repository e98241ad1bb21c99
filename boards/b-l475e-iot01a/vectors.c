/* The STM32L475 vector table: core entries, DMA1 channel 4 (DFSDM1 filter 0) and USART1. */
#include "cortexm.h"

#define L4_IRQS 82

void USART1_IRQHandler(void);
void DMA1_Channel4_IRQHandler(void);

__attribute__((section(".isr_vector"), used)) const vector_t hark_vectors[16 + L4_IRQS] = {
    CORTEXM_CORE_VECTORS,
    [16 ... 16 + 13] = Default_Handler,
    [16 + 14] = DMA1_Channel4_IRQHandler,
    [16 + 15 ... 16 + 36] = Default_Handler,
    [16 + 37] = USART1_IRQHandler,
    [16 + 38 ... 16 + L4_IRQS - 1] = Default_Handler,
};

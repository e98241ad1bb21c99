/* The mps2-an386 vector table; the reset path and core handlers are boards/common/cortexm_reset.c. */
#include "cortexm.h"

void UART0RX_Handler(void);

__attribute__((section(".isr_vector"), used)) const vector_t hark_vectors[16 + 32] = {
    CORTEXM_CORE_VECTORS,
    /* IRQ0: UART0 receive. The rest stay unused until a driver claims them. */
    [16] = UART0RX_Handler,
    [17 ... 47] = Default_Handler,
};

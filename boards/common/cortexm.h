/* What every Cortex-M4F board port shares: the reset path (stack painting, FPU on, .data/.bss, main)
 * and the core exception handlers. A board supplies only its vector table and its peripherals. */
#ifndef HARK_CORTEXM_H
#define HARK_CORTEXM_H

#include <stdint.h>

extern uint32_t __stack_limit, __stack_top;

typedef void (*vector_t)(void);

/* The board's vector table (the reset path points VTOR at it, which also links it in). */
extern const vector_t hark_vectors[];

void Reset_Handler(void);
void Default_Handler(void);
void HardFault_Handler(void);
void NMI_Handler(void);
void MemManage_Handler(void);
void BusFault_Handler(void);
void UsageFault_Handler(void);
void SVC_Handler(void);
void PendSV_Handler(void);
void SysTick_Handler(void);

/* The 16 core entries of a vector table, for a board's table initializer. */
#define CORTEXM_CORE_VECTORS                                                                          \
  (vector_t)&__stack_top, Reset_Handler, NMI_Handler, HardFault_Handler, MemManage_Handler,           \
      BusFault_Handler, UsageFault_Handler, 0, 0, 0, 0, SVC_Handler, 0, 0, PendSV_Handler, SysTick_Handler

#define CORTEXM_STACK_PAINT 0xA5A5A5A5u

/* Bytes of the painted stack that were ever used (the high-water mark). */
uint32_t cortexm_stack_peak(void);

#endif

/* Vector table and reset handler for the Cortex-M4F. */
#include <stdint.h>

#include "board.h"
#include "mps2_an386.h"

extern uint32_t __data_load, __data_start, __data_end, __bss_start, __bss_end;
extern uint32_t __stack_limit, __stack_top;

int main(void);
void Reset_Handler(void);
void Default_Handler(void);
void HardFault_Handler(void);
void UART0RX_Handler(void);

#define STACK_PAINT 0xA5A5A5A5u

__attribute__((naked, noreturn)) void Reset_Handler(void) {
  /* Paint the stack below the current frame before anything uses it, so the peak can be measured. */
  __asm volatile(
      "ldr r0, =__stack_limit\n"
      "ldr r1, =__stack_top\n"
      "sub r1, r1, #64\n"
      "ldr r2, =0xA5A5A5A5\n"
      "1: cmp r0, r1\n"
      "bhs 2f\n"
      "str r2, [r0], #4\n"
      "b 1b\n"
      "2: b reset_c\n");
}

__attribute__((noreturn, used)) void reset_c(void);
__attribute__((noreturn, used)) void reset_c(void) {
  /* The FPU must be on before any code the compiler may have given FP instructions. */
  SCB_CPACR |= (0xFu << 20);
  __asm volatile("dsb\n isb");

  uint32_t *src = &__data_load;
  /* The linker symbols delimit one region each, which C cannot express: the comparisons are sound. */
  /* cppcheck-suppress comparePointers */
  for (uint32_t *dst = &__data_start; dst < &__data_end;) *dst++ = *src++;
  /* cppcheck-suppress comparePointers */
  for (uint32_t *dst = &__bss_start; dst < &__bss_end;) *dst++ = 0;

  int rc = main();
  board_exit(rc);
  for (;;) {
  }
}

void Default_Handler(void) {
  board_debug_write("hark: unexpected interrupt\n");
  board_exit(3);
  for (;;) {
  }
}

void HardFault_Handler(void) {
  board_debug_write("hark: hard fault\n");
  board_exit(4);
  for (;;) {
  }
}

void NMI_Handler(void) __attribute__((weak, alias("Default_Handler")));
void MemManage_Handler(void) __attribute__((weak, alias("HardFault_Handler")));
void BusFault_Handler(void) __attribute__((weak, alias("HardFault_Handler")));
void UsageFault_Handler(void) __attribute__((weak, alias("HardFault_Handler")));
void SVC_Handler(void) __attribute__((weak, alias("Default_Handler")));
void PendSV_Handler(void) __attribute__((weak, alias("Default_Handler")));
void SysTick_Handler(void) __attribute__((weak, alias("Default_Handler")));

typedef void (*vector_t)(void);

__attribute__((section(".isr_vector"), used)) static const vector_t vectors[16 + 32] = {
    (vector_t)&__stack_top,
    Reset_Handler,
    NMI_Handler,
    HardFault_Handler,
    MemManage_Handler,
    BusFault_Handler,
    UsageFault_Handler,
    0, 0, 0, 0,
    SVC_Handler,
    0, 0,
    PendSV_Handler,
    SysTick_Handler,
    /* IRQ0: UART0 receive. The rest stay unused until a driver claims them. */
    [16] = UART0RX_Handler,
    [17 ... 47] = Default_Handler,
};

/* Reset and fault handling shared by the Cortex-M4F boards (see cortexm.h). */
#include "cortexm.h"

#include "board.h"

extern uint32_t __data_load, __data_start, __data_end, __bss_start, __bss_end;

#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)
#define SCB_VTOR (*(volatile uint32_t *)0xE000ED08u)

int main(void);

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
  /* Interrupts vector through the table where it was linked (STM32: flash at 0x08000000, which the
   * part only aliases at 0 when booting from flash). */
  SCB_VTOR = (uint32_t)(uintptr_t)hark_vectors;
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

uint32_t cortexm_stack_peak(void) {
  const uint32_t *p = &__stack_limit;
  /* __stack_limit..__stack_top is one region the linker script defines: the comparison is sound. */
  /* cppcheck-suppress comparePointers */
  while (p < &__stack_top && *p == CORTEXM_STACK_PAINT) p++;
  return (uint32_t)((uintptr_t)&__stack_top - (uintptr_t)p);
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

# Netduino Plus 2 (STM32F405RG, 25 MHz HSE), as QEMU 7.2 emulates it: the CI board. QEMU models no RCC,
# so the clock tree falls back to the 16 MHz HSI and says so; DWT reads 0, so the counter is TIM2
# turned into an instruction count; the microphone is a WAV file read through semihosting.
set(HARK_STM32F4_PART f405)
set(HARK_STM32F4_LD stm32f405_noccm.ld)
set(HARK_STM32F4_DEFINES HARK_BOARD_NAME="netduinoplus2" HARK_CONSOLE_USART=1 HARK_HSE_HZ=25000000u
    HARK_SYSCLK_HZ=168000000u HARK_CLOCK_TEXT="PLL 168 MHz from HSE 25 MHz" HARK_EMULATED)
# 128 KB of SRAM: arena 40 KB (the shipped ds_cnn's pipeline takes 36,016 B on the board; the build's `hark fit`
# plans with the 64-bit host twin, whose larger records ask 37,376 B), upload buffer 52 KB, the rest buffers and
# a 12 KB stack.
set(HARK_BOARD_ARENA_BYTES 40960)
set(HARK_BOARD_UPLOAD_BYTES 53248)
set(HARK_BOARD_FLASH_BYTES 1048576)
set(HARK_BOARD_RAM_BYTES 131072)

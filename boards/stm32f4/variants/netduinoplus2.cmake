# Netduino Plus 2 (STM32F405RG, 25 MHz HSE), as QEMU 7.2 emulates it: the CI board. QEMU models no RCC,
# so the clock tree falls back to the 16 MHz HSI and says so; DWT reads 0, so the counter is TIM2
# turned into an instruction count; the microphone is a WAV file read through semihosting.
set(HARK_STM32F4_PART f405)
set(HARK_STM32F4_LD stm32f405_noccm.ld)
set(HARK_STM32F4_DEFINES HARK_BOARD_NAME="netduinoplus2" HARK_CONSOLE_USART=1 HARK_HSE_HZ=25000000u
    HARK_SYSCLK_HZ=168000000u HARK_CLOCK_TEXT="PLL 168 MHz from HSE 25 MHz" HARK_EMULATED)
# 128 KB of SRAM: arena 36 KB (ds_cnn needs about 31 KB with its frontend), upload buffer 52 KB (ds_cnn's
# .tflite is 48.5 KB), the rest buffers and a 12 KB stack.
set(HARK_BOARD_ARENA_BYTES 36864)
set(HARK_BOARD_UPLOAD_BYTES 53248)
set(HARK_BOARD_FLASH_BYTES 1048576)
set(HARK_BOARD_RAM_BYTES 131072)

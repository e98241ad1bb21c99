# STM32F4 board family. The variant file (variants/<board>.cmake) sets:
#   HARK_STM32F4_PART      f405 | f407 | f411 | f446
#   HARK_STM32F4_LD        the part's linker script in ld/
#   HARK_STM32F4_DEFINES   board name, console USART, HSE, SYSCLK, clock text, EMULATED, microphone
#   HARK_BOARD_ARENA_BYTES, HARK_BOARD_UPLOAD_BYTES, HARK_BOARD_FLASH_BYTES, HARK_BOARD_RAM_BYTES
include(${HARK_BOARD_VARIANT_FILE})
set(HARK_LINKER_SCRIPT ${HARK_BOARD_DIR}/ld/${HARK_STM32F4_LD})
set(HARK_LINKER_DEPENDS ${HARK_BOARDS_COMMON}/cortexm_sections.ld)
set(HARK_LINKER_DEPENDS ${HARK_LINKER_DEPENDS} PARENT_SCOPE)
set(sources ${HARK_BOARD_DIR}/vectors.c ${HARK_BOARD_DIR}/board.c ${HARK_BOARD_DIR}/clock.c ${HARK_BOARD_DIR}/usart.c
            ${HARK_BOARDS_COMMON}/cortexm_reset.c)
if("HARK_EMULATED" IN_LIST HARK_STM32F4_DEFINES)
  # QEMU models no flash interface: the model flash region is RAM with NOR rules, F4-like 16 KB sectors
  # and word units (the linker script places it past the real part's SRAM).
  list(APPEND sources ${HARK_BOARDS_COMMON}/semihosting.c ${HARK_BOARDS_COMMON}/semihost_mic.c
       ${HARK_BOARDS_COMMON}/ram_flash.c ${HARK_BOARDS_COMMON}/ram_flash_board.c)
  list(APPEND HARK_STM32F4_DEFINES HARK_RAM_FLASH_SECTOR_BYTES=16384u HARK_RAM_FLASH_UNIT_BYTES=4u)
else()
  list(APPEND sources ${HARK_BOARD_DIR}/flash.c ${HARK_BOARDS_COMMON}/stm32_flash.c)
endif()
if("HARK_MIC_PDM_I2S2" IN_LIST HARK_STM32F4_DEFINES)
  list(APPEND sources ${HARK_BOARD_DIR}/pdm_mic.c)
endif()
add_library(hark_board STATIC ${sources})
target_include_directories(hark_board PUBLIC ${CMAKE_CURRENT_SOURCE_DIR} ${HARK_BOARDS_COMMON} ${HARK_BOARD_DIR})
string(TOUPPER ${HARK_STM32F4_PART} part)
target_compile_definitions(hark_board PRIVATE HARK_PART_${part} ${HARK_STM32F4_DEFINES})
# cortexm_sections.ld is INCLUDEd by the part's script: the linker finds it on the library path.
target_link_options(hark_board INTERFACE -L${HARK_BOARDS_COMMON})
if("HARK_MIC_PDM_I2S2" IN_LIST HARK_STM32F4_DEFINES)
  target_link_libraries(hark_board PUBLIC hark_pdm)
endif()

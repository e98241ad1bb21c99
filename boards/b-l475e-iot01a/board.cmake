# B-L475E-IOT01A (STM32L475VG). No QEMU machine: compile-checked; docs/boards/b-l475e-iot01a.md.
set(HARK_LINKER_SCRIPT ${HARK_BOARD_DIR}/stm32l475.ld)
set(HARK_LINKER_DEPENDS ${HARK_BOARDS_COMMON}/cortexm_sections.ld PARENT_SCOPE)
add_library(hark_board STATIC ${HARK_BOARD_DIR}/vectors.c ${HARK_BOARD_DIR}/board.c ${HARK_BOARD_DIR}/usart.c
            ${HARK_BOARD_DIR}/mic.c ${HARK_BOARD_DIR}/flash.c ${HARK_BOARDS_COMMON}/stm32_flash.c
            ${HARK_BOARDS_COMMON}/cortexm_reset.c)
target_include_directories(hark_board PUBLIC ${CMAKE_CURRENT_SOURCE_DIR} ${HARK_BOARDS_COMMON} ${HARK_BOARD_DIR})
target_link_options(hark_board INTERFACE -L${HARK_BOARDS_COMMON})
target_link_libraries(hark_board PUBLIC hark_pdm)
set(HARK_BOARD_ARENA_BYTES 40960)
set(HARK_BOARD_UPLOAD_BYTES 53248)
set(HARK_BOARD_FLASH_BYTES 1048576)
set(HARK_BOARD_RAM_BYTES 131072)

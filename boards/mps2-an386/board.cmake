set(HARK_LINKER_SCRIPT ${HARK_BOARD_DIR}/mps2-an386.ld)
add_library(hark_board STATIC
  ${HARK_BOARD_DIR}/startup.c
  ${HARK_BOARD_DIR}/board.c
  ${HARK_BOARD_DIR}/uart.c
  ${HARK_BOARDS_COMMON}/cortexm_reset.c
  ${HARK_BOARDS_COMMON}/semihosting.c
  ${HARK_BOARDS_COMMON}/semihost_mic.c
  ${HARK_BOARDS_COMMON}/ram_flash.c
  ${HARK_BOARDS_COMMON}/ram_flash_board.c)
target_include_directories(hark_board PUBLIC ${CMAKE_CURRENT_SOURCE_DIR} ${HARK_BOARDS_COMMON})
# The model flash region (1 MB of PSRAM, see the linker script) in 64 KB sectors of 4-byte units.
target_compile_definitions(hark_board PRIVATE HARK_RAM_FLASH_SECTOR_BYTES=65536u HARK_RAM_FLASH_UNIT_BYTES=4u)

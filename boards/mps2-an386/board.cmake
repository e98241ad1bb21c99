set(HARK_LINKER_SCRIPT ${HARK_BOARD_DIR}/mps2-an386.ld)
add_library(hark_board STATIC
  ${HARK_BOARD_DIR}/startup.c
  ${HARK_BOARD_DIR}/board.c
  ${HARK_BOARD_DIR}/uart.c
  ${HARK_BOARDS_COMMON}/cortexm_reset.c
  ${HARK_BOARDS_COMMON}/semihosting.c
  ${HARK_BOARDS_COMMON}/semihost_mic.c)
target_include_directories(hark_board PUBLIC ${CMAKE_CURRENT_SOURCE_DIR} ${HARK_BOARDS_COMMON})

set(HARK_LINKER_SCRIPT ${HARK_BOARD_DIR}/mps2-an386.ld PARENT_SCOPE)
set(HARK_LINKER_SCRIPT ${HARK_BOARD_DIR}/mps2-an386.ld)
add_library(hark_board STATIC
  ${HARK_BOARD_DIR}/startup.c
  ${HARK_BOARD_DIR}/board.c
  ${HARK_BOARD_DIR}/uart.c
  ${HARK_BOARD_DIR}/semihosting.c)
target_include_directories(hark_board PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})

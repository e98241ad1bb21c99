# Helpers shared by the module CMakeLists files.

# hark_module(NAME SOURCES <files...> [HOST_SOURCES <files...>] [DEPS <modules...>])
# A firmware module: a static library hark_<NAME> with its folder as the public include path.
# On the host it is also a shared library (lib/libhark_<NAME>.so) that the Python bindings load;
# HOST_SOURCES (the struct-layout table, see firmware/layout/layout.h) are compiled only there.
function(hark_module name)
  cmake_parse_arguments(M "" "" "SOURCES;HOST_SOURCES;DEPS" ${ARGN})
  if(HARK_HOST)
    list(APPEND M_SOURCES ${M_HOST_SOURCES})
  endif()
  add_library(hark_${name} STATIC ${M_SOURCES})
  target_include_directories(hark_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
  foreach(dep ${M_DEPS})
    target_link_libraries(hark_${name} PUBLIC hark_${dep})
  endforeach()
  if(HARK_HOST AND NOT HARK_SANITIZE)
    add_library(hark_${name}_shared SHARED ${M_SOURCES})
    set_target_properties(hark_${name}_shared PROPERTIES OUTPUT_NAME hark_${name})
    target_include_directories(hark_${name}_shared PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
    foreach(dep ${M_DEPS})
      target_link_libraries(hark_${name}_shared PUBLIC hark_${dep})
    endforeach()
  endif()
endfunction()

# hark_test(NAME SOURCES <files...> LIBS <targets...>): a host-only C unit test run by ctest.
function(hark_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
  if(NOT HARK_HOST)
    return()
  endif()
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} m)
  add_test(NAME ${name} COMMAND ${name})
endfunction()

# hark_embed_file(OUT_C SYMBOL FILE): generates OUT_C (in the build folder) holding FILE as
# `const uint8_t SYMBOL[]` (16-byte aligned) and `const uint32_t SYMBOL_len`.
set(HARK_EMBED_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/embed.cmake)
function(hark_embed_file out_c symbol file)
  add_custom_command(OUTPUT ${out_c}
    COMMAND ${CMAKE_COMMAND} -DIN=${file} -DOUT=${out_c} -DSYM=${symbol} -P ${HARK_EMBED_SCRIPT}
    DEPENDS ${file} ${HARK_EMBED_SCRIPT}
    COMMENT "Embedding ${file} as ${symbol}")
endfunction()

# hark_runtime_ops(OUT_C SYMBOL MODEL...): generates OUT_C defining `const runtime_ops_t SYMBOL`, the runtime's
# kernels that the models' graphs use and no others (python -m hark.format.op_table reads each .tflite). An image
# that passes it to runtime_init instead of runtime_all_ops links only those kernels; a model needing another op
# is refused at init, naming the op. An op the runtime lacks fails the build, naming model and op.
set(HARK_RUNTIME_OPS_DEF ${CMAKE_CURRENT_LIST_DIR}/../firmware/runtime/runtime_ops.def)
set(HARK_OP_TABLE_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/../host/hark/format/op_table.py)
function(hark_runtime_ops out_c symbol)
  add_custom_command(OUTPUT ${out_c}
    COMMAND ${HARK_PYTHON} -m hark.format.op_table ${ARGN} --ops-def ${HARK_RUNTIME_OPS_DEF} --symbol ${symbol}
            --out ${out_c}
    DEPENDS ${ARGN} ${HARK_RUNTIME_OPS_DEF} ${HARK_OP_TABLE_SCRIPT}
    COMMENT "Op table ${symbol}: the kernels of ${ARGN}")
endfunction()

# Where TFLM's reference models live (docs/reference.md: the environment's HARK_REFERENCE_DIR, reference/ from
# tools/fetch_reference.py, or ../shared/reference); empty if absent. The same order as
# hark.paths.reference_dir(): without the environment variable here, a clone elsewhere that the tests find
# through it would build no reference images, and the tests that run them would fail.
if(NOT DEFINED HARK_REFERENCE_DIR AND DEFINED ENV{HARK_REFERENCE_DIR})
  set(HARK_REFERENCE_DIR "")
  if(EXISTS $ENV{HARK_REFERENCE_DIR}/tflite-micro/models)
    get_filename_component(HARK_REFERENCE_DIR $ENV{HARK_REFERENCE_DIR} ABSOLUTE)
  endif()
elseif(NOT DEFINED HARK_REFERENCE_DIR)
  set(HARK_REFERENCE_DIR "")
  foreach(candidate ${CMAKE_SOURCE_DIR}/reference ${CMAKE_SOURCE_DIR}/../shared/reference
          ${CMAKE_SOURCE_DIR}/../../shared/reference)
    if(EXISTS ${candidate}/tflite-micro/models AND NOT HARK_REFERENCE_DIR)
      get_filename_component(HARK_REFERENCE_DIR ${candidate} ABSOLUTE)
    endif()
  endforeach()
endif()

# cmake -DIN=<file> -DOUT=<file.c> -DSYM=<name> -P embed.cmake
# Writes a C array of a file's bytes (a .tflite model), 16-byte aligned as the runtime wants it.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR bytes "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "((0x..,){16})" "\\1\n  " body "${body}")
file(WRITE ${OUT} "/* Generated from ${IN} by embed.cmake: do not edit. */\n#include <stdint.h>\n"
     "const uint8_t ${SYM}[${bytes}] __attribute__((aligned(16))) = {\n  ${body}\n};\n"
     "const uint32_t ${SYM}_len = ${bytes}u;\n")

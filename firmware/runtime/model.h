/* TFLite schema field ids (schema.fbs order) and model helpers shared by the reader and interpreter. */
#ifndef HARK_RUNTIME_MODEL_H
#define HARK_RUNTIME_MODEL_H

#include "fb.h"
#include "runtime.h"

enum {
  RT_MODEL_VERSION = 0,
  RT_MODEL_OPERATOR_CODES = 1,
  RT_MODEL_SUBGRAPHS = 2,
  RT_MODEL_BUFFERS = 4,
  RT_MODEL_METADATA = 6,
  RT_OPCODE_DEPRECATED_BUILTIN = 0,
  RT_OPCODE_CUSTOM = 1,
  RT_OPCODE_BUILTIN = 3,
  RT_SUBGRAPH_TENSORS = 0,
  RT_SUBGRAPH_INPUTS = 1,
  RT_SUBGRAPH_OUTPUTS = 2,
  RT_SUBGRAPH_OPERATORS = 3,
  RT_TENSOR_SHAPE = 0,
  RT_TENSOR_TYPE = 1,
  RT_TENSOR_BUFFER = 2,
  RT_TENSOR_NAME = 3,
  RT_TENSOR_QUANTIZATION = 4,
  RT_TENSOR_IS_VARIABLE = 5,
  RT_QUANT_SCALE = 2,
  RT_QUANT_ZERO_POINT = 3,
  RT_QUANT_DIM = 6,
  RT_OP_OPCODE_INDEX = 0,
  RT_OP_INPUTS = 1,
  RT_OP_OUTPUTS = 2,
  RT_OP_OPTIONS_TYPE = 3,
  RT_OP_OPTIONS = 4,
  RT_OP_INTERMEDIATES = 8,
  RT_BUFFER_DATA = 0,
  RT_BUFFER_OFFSET = 1,
  RT_BUFFER_SIZE = 2,
  RT_METADATA_NAME = 0,
  RT_METADATA_BUFFER = 1,
};

/* Bytes per element of a TFLite type; 0 for types the runtime cannot hold (string, complex, int4). */
uint32_t rt_type_size(uint8_t type);
/* The bytes of buffer `index` (empty if it has none). */
int rt_buffer_data(fb_t *fb, const fb_table_t *model, uint32_t index, const uint8_t **data, uint32_t *len);

#endif

"""The .tflite flatbuffer as Python objects, through the schema that ships with the `tflite_micro` package.

That schema is TensorFlow's (a superset of the one in the `tensorflow` wheel, and the same bytes out for every
model we read and write), but importing it costs under a second, where `tensorflow.lite.python` imports all of
TensorFlow (~13 s). So the model readers, the board tools and the twin start without TensorFlow.
"""

from __future__ import annotations

import flatbuffers
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

__all__ = ["schema", "model_object", "model_bytes"]

FILE_IDENTIFIER = b"TFL3"


def model_object(tflite: bytes | bytearray) -> schema.ModelT:
    """The whole model as mutable objects (the inverse of `model_bytes`)."""
    return schema.ModelT.InitFromObj(schema.Model.GetRootAs(bytearray(tflite), 0))


def model_bytes(model: schema.ModelT) -> bytes:
    builder = flatbuffers.Builder(1024)  # grows as needed
    builder.Finish(model.Pack(builder), file_identifier=FILE_IDENTIFIER)
    return bytes(builder.Output())

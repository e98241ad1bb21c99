"""Export: int8 quantization, QAT, state checks, `.tflite` metadata, C arrays and per-model reports."""

"""hark: keyword spotting for microcontrollers."""

import os

# TensorFlow's C++ start-up chatter (CPU feature notes) drowns the tools' own output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# TensorFlow turns its oneDNN kernels on by default only on some x86 CPUs (not on AMD EPYC, measured). Without them
# its own DepthwiseConv2dNative refuses unequal row and column strides, which the alexa and bc_resnet families use:
# their training failed with "Current implementation only supports equal length strides".
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

__version__ = "0.1.0"

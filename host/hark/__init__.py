"""hark: keyword spotting for microcontrollers."""

import os

# TensorFlow's C++ start-up chatter (CPU feature notes) drowns the tools' own output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"

"""The firmware's int8 runtime (firmware/runtime), run on the host through ctypes: the very C the board runs."""

from hark.runtime.interpreter import Interpreter, OpProfile, RuntimeFailure, TensorInfo

__all__ = ["Interpreter", "OpProfile", "RuntimeFailure", "TensorInfo"]

"""Talking to boards: the QEMU harness and, later, the serial protocol."""

from hark.device.emulator import Emulator, EmulatorError, run_to_exit

__all__ = ["Emulator", "EmulatorError", "run_to_exit"]

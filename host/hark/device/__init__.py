"""Talking to boards: the QEMU harness, the framed serial protocol and a link over it."""

from hark.device import protocol
from hark.device.emulator import Emulator, EmulatorError, run_to_exit
from hark.device.link import DeviceError, DeviceLink, DeviceTimeout, StreamResult, emulated_link
from hark.device.protocol import ProtocolError

__all__ = [
    "DeviceError",
    "DeviceLink",
    "DeviceTimeout",
    "Emulator",
    "EmulatorError",
    "ProtocolError",
    "protocol",
    "StreamResult",
    "emulated_link",
    "run_to_exit",
]

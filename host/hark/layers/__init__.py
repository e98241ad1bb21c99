"""Streaming-aware Keras 3 layers: time on axis 1, four modes (see `Modes`), state that conversion can plumb."""

from hark.layers.delay import Delay
from hark.layers.frames import LastFrame
from hark.layers.modes import Modes, NotStreamableError
from hark.layers.rnn import GRU, LSTM
from hark.layers.stateful import StatefulLayer, reset_states
from hark.layers.stream import Stream

__all__ = [
    "GRU",
    "Delay",
    "LSTM",
    "LastFrame",
    "Modes",
    "NotStreamableError",
    "StatefulLayer",
    "Stream",
    "reset_states",
]

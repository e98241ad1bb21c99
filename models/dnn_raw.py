"""DNN on raw audio (kws_streaming's dnn_raw): the model takes the samples, frames them into 40 ms windows every
20 ms and learns its own frontend (dense layers on each window), then flattens the window, max-pools and
classifies. Streams with external state: the framing keeps the previous hop in a ring buffer."""

from hark.spec import load_spec

SPEC = {
    **load_spec("_speech_commands12").to_dict(),
    "name": "dnn_raw",
    "description": __doc__.strip(),
    "frontend": {"kind": "raw", "window_size_ms": 40, "window_step_ms": 20},
    "architecture": {"name": "dnn_raw", "params": {}},
    "streaming": {"mode": "stream_external", "every_hops": 1},
}

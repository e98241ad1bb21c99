"""att_rnn (kws_streaming): convs along time, bidirectional GRUs, single-head attention; a windowed model."""

from hark.spec import load_spec

SPEC = {
    **load_spec("_speech_commands12").to_dict(),
    "name": "att_rnn",
    "description": __doc__.strip(),
    "architecture": {"name": "att_rnn", "params": {}},
    "streaming": {"mode": "window", "every_hops": 10},
}

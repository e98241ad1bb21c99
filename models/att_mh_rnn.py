"""att_mh_rnn (kws_streaming): convs along time, bidirectional GRUs, 4-head attention; a windowed model."""

from hark.spec import load_spec

SPEC = {
    **load_spec("_speech_commands12").to_dict(),
    "name": "att_mh_rnn",
    "description": __doc__.strip(),
    "architecture": {"name": "att_mh_rnn", "params": {}},
    "streaming": {"mode": "window", "every_hops": 10},
}

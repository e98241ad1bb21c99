"""Inception (kws_streaming inception): multi-branch convs, strided max pooling; windowed."""

from hark.spec import load_spec

SPEC = {
    **load_spec("_speech_commands12").to_dict(),
    "name": "inception",
    "description": __doc__.strip(),
    "architecture": {"name": "inception", "params": {}},
    "streaming": {"mode": "window", "every_hops": 10},
}

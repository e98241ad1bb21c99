"""MobileNet v2 (kws_streaming mobilenet_v2): strided inverted residuals; a windowed model."""

from hark.spec import load_spec

SPEC = {
    **load_spec("_speech_commands12").to_dict(),
    "name": "mobilenet_v2",
    "description": __doc__.strip(),
    "architecture": {"name": "mobilenet_v2", "params": {}},
    "streaming": {"mode": "window", "every_hops": 10},
}

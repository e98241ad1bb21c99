"""MobileNet v1 (kws_streaming mobilenet): strided depthwise-separable convs; a windowed model."""

from hark.spec import load_spec

SPEC = {
    **load_spec("_speech_commands12").to_dict(),
    "name": "mobilenet",
    "description": __doc__.strip(),
    "architecture": {"name": "mobilenet", "params": {}},
    "streaming": {"mode": "window", "every_hops": 10},
}

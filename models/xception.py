"""Xception (kws_streaming xception): separable convs with strided max-pool residuals; windowed."""

from hark.spec import load_spec

SPEC = {
    **load_spec("_speech_commands12").to_dict(),
    "name": "xception",
    "description": __doc__.strip(),
    "architecture": {"name": "xception", "params": {}},
    "streaming": {"mode": "window", "every_hops": 10},
}

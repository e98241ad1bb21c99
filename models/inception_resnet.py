"""Inception-ResNet (kws_streaming inception_resnet): residual inception blocks; windowed."""

from hark.spec import load_spec

SPEC = {
    **load_spec("_speech_commands12").to_dict(),
    "name": "inception_resnet",
    "description": __doc__.strip(),
    "architecture": {"name": "inception_resnet", "params": {}},
    "streaming": {"mode": "window", "every_hops": 10},
}

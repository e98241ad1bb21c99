"""TF speech_commands tiny_embedding_conv: two strided convs and a dense layer; windowed."""

from hark.spec import load_spec

SPEC = {
    **load_spec("_speech_commands12").to_dict(),
    "name": "tiny_embedding_conv",
    "description": __doc__.strip(),
    "architecture": {"name": "tiny_embedding_conv", "params": {}},
    "streaming": {"mode": "window", "every_hops": 10},
}

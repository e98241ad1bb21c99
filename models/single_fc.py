"""TF speech_commands single_fc: one dense layer over the whole window."""

from hark.spec import load_spec

SPEC = {
    **load_spec("_speech_commands12").to_dict(),
    "name": "single_fc",
    "description": __doc__.strip(),
    "architecture": {"name": "single_fc", "params": {}},
    "streaming": {"mode": "window", "every_hops": 10},
}

"""The alexa recipe (models/alexa.py) with TENet6: 3 stages of 2 inverted bottleneck blocks instead of 4."""

from hark.spec import load_spec

_ALEXA = load_spec("alexa").to_dict()

SPEC = {
    **_ALEXA,
    "name": "alexa_tenet6",
    "description": "TENet6 wake word 'alexa' (MLTK keyword_spotting_alexa, the smaller TENet)",
    "architecture": {"name": "tenet", "params": {**_ALEXA["architecture"]["params"], "blocks_per_stage": 2}},
}

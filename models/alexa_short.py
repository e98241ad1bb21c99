"""alexa (models/alexa.py) with its schedule cut from 6,000 + 3,000 steps to 4,500 + 1,500: the full-length run of
docs/alexa.md resumed the alexa run's step-4,500 checkpoint under this schedule to finish within its time budget
(2 shared cores). Everything else is alexa's."""

from hark.spec import load_spec

_ALEXA = load_spec("alexa").to_dict()

SPEC = {
    **_ALEXA,
    "name": "alexa_short",
    "description": __doc__.strip(),
    "training": {**_ALEXA["training"], "steps": [4500, 1500]},
}

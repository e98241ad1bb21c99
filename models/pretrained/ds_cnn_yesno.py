"""ds_cnn (models/ds_cnn.py) with micro_speech's four labels (yes/no), trained with the generalizing recipe and
micro_speech's hard-negative mining: the shipped pre-trained yes/no streaming model. Against the shipped
micro_speech it detects about twice the held-out stream's keywords at <= 2 false alarms per hour, at a third of the
instructions per hop (it streams one frame per call), for 58 kB of model against 21 kB (docs/generalization.md)."""

import importlib.util
from pathlib import Path

_loader = importlib.util.spec_from_file_location("hark_recipe", Path(__file__).resolve().parent / "_recipe.py")
_recipe = importlib.util.module_from_spec(_loader)
_loader.loader.exec_module(_recipe)

SPEC = _recipe.pretrained_spec("ds_cnn")  # the 12-label model's recipe
_yesno = _recipe.base_spec("micro_speech")  # the labels and keywords have one source: models/micro_speech.py
SPEC["name"] = "ds_cnn_yesno"
SPEC["description"] = __doc__.strip()
SPEC["labels"] = _yesno["labels"]
SPEC["dataset"] = {**SPEC["dataset"], "wanted_words": _yesno["dataset"]["wanted_words"]}
SPEC["hard_negatives"] = dict(_recipe.HARD_NEGATIVES)

"""micro_speech (models/micro_speech.py) trained with the generalizing recipe: the shipped pre-trained model's spec."""

import importlib.util
from pathlib import Path

_loader = importlib.util.spec_from_file_location("hark_recipe", Path(__file__).resolve().parent / "_recipe.py")
_recipe = importlib.util.module_from_spec(_loader)
_loader.loader.exec_module(_recipe)

SPEC = _recipe.recipe(
    "micro_speech",
    training={"steps": [4000, 1000], "learning_rates": [0.002, 0.0002], "eval_every_steps": 500,
              "checkpoint_every_steps": 500},
    recognition={},
    hard_negatives=_recipe.HARD_NEGATIVES,
)

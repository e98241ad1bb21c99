"""ds_cnn (models/ds_cnn.py) trained with the generalizing recipe: the shipped pre-trained model's spec."""

import importlib.util
from pathlib import Path

_loader = importlib.util.spec_from_file_location("hark_recipe", Path(__file__).resolve().parent / "_recipe.py")
_recipe = importlib.util.module_from_spec(_loader)
_loader.loader.exec_module(_recipe)

SPEC = _recipe.recipe(
    "ds_cnn",
    training={"steps": [4000, 1500, 500], "learning_rates": [0.002, 0.0005, 0.0001], "eval_every_steps": 500,
              "checkpoint_every_steps": 500, "early_stopping_evals": 0},
    recognition={},
    augment=_recipe.IDLE_SILENCE,
)

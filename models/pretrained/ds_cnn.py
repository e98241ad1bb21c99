"""ds_cnn (models/ds_cnn.py) trained with the generalizing recipe: the shipped pre-trained model's spec."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _recipe import recipe  # noqa: E402

SPEC = recipe(
    "ds_cnn",
    training={"steps": [4000, 1500, 500], "learning_rates": [0.002, 0.0005, 0.0001], "eval_every_steps": 500,
              "checkpoint_every_steps": 500, "early_stopping_evals": 0},
    recognition={},
)

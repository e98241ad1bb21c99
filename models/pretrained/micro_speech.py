"""micro_speech (models/micro_speech.py) trained with the generalizing recipe: the shipped pre-trained model's spec."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _recipe import recipe  # noqa: E402

SPEC = recipe(
    "micro_speech",
    training={"steps": [4000, 1000], "learning_rates": [0.002, 0.0002], "eval_every_steps": 500,
              "checkpoint_every_steps": 500},
    recognition={},
)

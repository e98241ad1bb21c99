"""The model `hark demo` trains: micro_speech (models/micro_speech.py) on the demo's small yes/no dataset, with the
generalizing recipe's acoustics (models/pretrained/_recipe.py) and stream-like training windows, sized to train
in about a minute on two cores (57-77 s measured). The demo sets `dataset.data_dir` (default data/demo) and picks the
recognition settings on a validation stream (hark.cli.demo), writing them into the exported model's metadata.

Measured choices (docs/generalization.md, "The demo", on development seeds of the demo's stream generator, never
the demo's own): the recipe's acoustics alone lost detections; the stream-like windows (noise bed, warm-up with cut
starts, quiet silence) and keywords moved past the window's edges gained them.
"""

import importlib.util
from pathlib import Path

_RECIPE = Path(__file__).resolve().parents[1] / "pretrained" / "_recipe.py"
_loader = importlib.util.spec_from_file_location("hark_recipe", _RECIPE)
_recipe = importlib.util.module_from_spec(_loader)
_loader.loader.exec_module(_recipe)

# The demo's dataset options and augmentation, which models/demo/ds_cnn.py (the deployed model) shares.
DATASET = {"data_dir": "data/demo", "unknown_percentage": 30.0, "silence_percentage": 10.0,
           **_recipe.STREAM_WINDOWS_DATASET}  # fmt: skip
AUGMENT = {**_recipe.STREAM_WINDOWS, "warmup_cut_probability": 0.3, "edge_probability": 0.3}

SPEC = _recipe.recipe(
    "micro_speech",
    training={"steps": [6000, 2000], "learning_rates": [0.001, 0.0002], "batch_size": 64, "eval_every_steps": 500,
              "checkpoint_every_steps": 500},
    recognition={"average_window_ms": 500},
    dataset=DATASET,
    augment=AUGMENT,
)

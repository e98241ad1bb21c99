"""The model `hark demo` deploys: the streaming DS-CNN (models/ds_cnn.py: 64 filters, 4 depthwise-separable blocks,
one 20 ms frame per call) with micro_speech's four labels, trained on the demo's yes/no dataset with the same
acoustics and stream-like windows as the demo's micro_speech (models/demo/micro_speech.py).

Its full schedule (4,000 steps and 1,000 of quantization-aware training) takes about 10 minutes on two cores, more
than the demo's 5-minute budget, so the repository ships its export (models/pretrained/demo_ds_cnn.tflite, written
by `hark demo --model ds_cnn --write-pretrained`) and `hark demo` deploys that after training micro_speech as a
short demonstration. On twenty other seeds of the demo's stream it matched 92-93 % of the keywords, the demo's
micro_speech 75-83 % (docs/generalization.md, "The demo").
"""

import importlib.util
from pathlib import Path

# The demo micro_speech's spec module: its dataset options, augmentation and labels are this model's too.
_loader = importlib.util.spec_from_file_location("hark_demo_micro_speech", Path(__file__).with_name("micro_speech.py"))
_demo = importlib.util.module_from_spec(_loader)
_loader.loader.exec_module(_demo)

SPEC = _demo._recipe.recipe(
    "ds_cnn",
    training={"steps": [2500, 1000, 500], "learning_rates": [0.002, 0.0005, 0.0001], "batch_size": 64,
              "eval_every_steps": 500, "checkpoint_every_steps": 500, "early_stopping_evals": 0},
    recognition={},
    dataset={**_demo.DATASET, "wanted_words": _demo.SPEC["dataset"]["wanted_words"]},
    augment=_demo.AUGMENT,
)
SPEC["name"] = "demo_ds_cnn"
SPEC["labels"] = list(_demo.SPEC["labels"])

"""The shared part of the issue-14 family specs: the 12 Speech Commands labels, TF's "micro" frontend (49 x 40),
kws_streaming's stepped schedule and TF's recognition settings. Each family's spec overlays its architecture and
streaming form (not a model itself: files starting with '_' are not listed as specs)."""

SPEC = {
    "name": "_speech_commands12",
    "labels": ["_silence_", "_unknown_", "yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"],
    "frontend": {"window_size_ms": 30, "window_step_ms": 20, "num_channels": 40},
    "dataset": {
        "wanted_words": ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"],
        "silence_percentage": 10.0,
        "unknown_percentage": 10.0,
    },
    "training": {
        "steps": [8000, 4000, 2000],
        "learning_rates": [0.001, 0.0005, 0.0001],
        "batch_size": 100,
        "eval_every_steps": 400,
        "checkpoint_every_steps": 400,
        "early_stopping_evals": 10,
    },
    "quantization": {"mode": "int8", "representative_samples": 500},
    "streaming": {"mode": "window", "every_hops": 10},
    "recognition": {"average_window_ms": 1000, "detection_threshold": 0.7, "suppression_ms": 1500, "minimum_count": 3},
}

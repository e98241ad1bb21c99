"""SVDF (kws_streaming svdf): four rank-1 SVDF layers with memories of 4 and 10 frames, averaged over the window."""

SPEC = {
    "name": "svdf",
    "description": __doc__.strip(),
    "labels": ["_silence_", "_unknown_", "yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"],
    "frontend": {"window_size_ms": 30, "window_step_ms": 20, "num_channels": 40},
    "dataset": {
        "wanted_words": ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"],
        "silence_percentage": 10.0,
        "unknown_percentage": 10.0,
    },
    "architecture": {
        "name": "svdf",
        "params": {
            "units": [64, 64, 64, 64],
            "memory": [4, 10, 10, 10],
            "projection": [64, 64, 64, 0],
            "readout": "average",
            "dropout": 0.1,
        },
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
    "streaming": {"mode": "stream_external", "every_hops": 1},
    "recognition": {"average_window_ms": 500, "detection_threshold": 0.7, "suppression_ms": 1000, "minimum_count": 3},
}

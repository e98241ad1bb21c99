"""TC-ResNet8 (Choi et al. 2019): temporal convs with stride 2 per block; a windowed model."""

SPEC = {
    "name": "tc_resnet",
    "description": __doc__.strip(),
    "labels": ["_silence_", "_unknown_", "yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"],
    "frontend": {"window_size_ms": 30, "window_step_ms": 20, "num_channels": 40},
    "dataset": {
        "wanted_words": ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"],
        "silence_percentage": 10.0,
        "unknown_percentage": 10.0,
    },
    "architecture": {
        "name": "tc_resnet",
        "params": {
            "first_filters": 16,
            "filters": [24, 32, 48],
            "kernel": 9,
            "block_strides": [2, 2, 2],
            "width": 1.0,
            "dropout": 0.5,
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
    "streaming": {"mode": "window", "every_hops": 10},
    "recognition": {"average_window_ms": 1000, "detection_threshold": 0.7, "suppression_ms": 1500, "minimum_count": 3},
}

"""CNN (kws_streaming cnn): three causal convs striding frequency, the window flattened, a dense layer."""

SPEC = {
    "name": "cnn",
    "description": __doc__.strip(),
    "labels": ["_silence_", "_unknown_", "yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"],
    "frontend": {"window_size_ms": 30, "window_step_ms": 20, "num_channels": 40},
    "dataset": {
        "wanted_words": ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"],
        "silence_percentage": 10.0,
        "unknown_percentage": 10.0,
    },
    "architecture": {
        "name": "cnn",
        "params": {
            "filters": [16, 32, 16],
            "kernels": [[3, 3], [5, 3], [5, 3]],
            "strides": [[1, 2], [1, 2], [1, 2]],
            "units": [32],
            "dropout": 0.2,
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

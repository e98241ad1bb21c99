"""TF micro_speech: tiny_conv over 49 x 40 micro features, 4 labels (the TFLM example's shape)."""

SPEC = {
    "name": "micro_speech",
    "description": "tiny_conv, the TFLM micro_speech example model",
    "labels": ["_silence_", "_unknown_", "yes", "no"],
    "frontend": {"window_size_ms": 30, "window_step_ms": 20, "num_channels": 40},
    "dataset": {"wanted_words": ["yes", "no"], "silence_percentage": 10.0, "unknown_percentage": 10.0},
    "architecture": {"name": "tiny_conv", "params": {"filters": 8, "kernel": [10, 8], "strides": [2, 2]}},
    "training": {"steps": [12000, 3000], "learning_rates": [0.001, 0.0001], "batch_size": 100},
    "quantization": {"mode": "int8", "representative_samples": 500},
    "streaming": {"mode": "window", "every_hops": 1},
    "recognition": {"average_window_ms": 1000, "detection_threshold": 0.7, "suppression_ms": 1500, "minimum_count": 3},
}

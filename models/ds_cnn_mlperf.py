"""DS-CNN exactly as the MLPerf Tiny KWS reference shapes it: 49 x 10 input (here 10 microfrontend channels),
first conv 10 x 4 with stride 2 x 2 and 'same' padding, 64 filters, 4 depthwise-separable blocks: 2.66 M MACs.
Its stride in time makes it a windowed model; compare it with TFLM's DS-CNN figures.
"""

SPEC = {
    "name": "ds_cnn_mlperf",
    "description": __doc__.strip(),
    "labels": ["_silence_", "_unknown_", "yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"],
    "frontend": {"window_size_ms": 30, "window_step_ms": 20, "num_channels": 10},
    "dataset": {
        "wanted_words": ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"],
        "silence_percentage": 10.0,
        "unknown_percentage": 10.0,
    },
    "architecture": {
        "name": "ds_cnn",
        "params": {
            "filters": 64,
            "first_kernel": [10, 4],
            "first_strides": [2, 2],
            "blocks": 4,
            "dw_kernel": [3, 3],
            "dropout_in": 0.2,
            "dropout_out": 0.4,
            "time_padding": "same",
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
    "quantization": {"mode": "int8", "representative_samples": 500, "qat": True, "qat_steps": 1000},
    "streaming": {"mode": "window", "every_hops": 5},
    "recognition": {"average_window_ms": 500, "detection_threshold": 0.7, "suppression_ms": 1000, "minimum_count": 3},
}

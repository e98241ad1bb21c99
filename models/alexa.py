"""MLTK's keyword_spotting_alexa rebuilt on offline data: TENet12 on 1.2 s of 108-channel features (30 ms window,
10 ms step), noise reduction keeping 40 % of the signal, PCAN off, MLTK's DC notch and dynamic int8 quantization
over 40 dB; classes `alexa` and `_unknown_` (near-miss words, cropped partial keywords and other words), clips
warmed up with background noise, and MLTK's recognition settings (an inference every 200 ms, 2 results averaged
over 440 ms above 216/255, 900 ms suppression).

Dataset: hark synth data/alexa --words alexa,<unknown words> --near-misses 40 --partials --clip-ms 1200
(docs/alexa.md).
"""

SPEC = {
    "name": "alexa",
    "description": "TENet12 wake word 'alexa' (MLTK keyword_spotting_alexa)",
    "labels": ["alexa", "_unknown_"],
    "frontend": {
        "clip_duration_ms": 1200,
        "window_size_ms": 30,
        "window_step_ms": 10,
        "num_channels": 108,
        "lower_band_limit": 125.0,
        "upper_band_limit": 7500.0,
        "enable_noise_reduction": True,
        "min_signal_remaining": 0.40,
        "enable_pcan": False,
        "enable_dc_notch": True,
        "dc_notch_coefficient": 0.95,
        "dynamic_range_db": 40.0,
    },
    "dataset": {
        "data_dir": "data/alexa",
        "wanted_words": ["alexa"],
        "silence_percentage": 0.0,
        "unknown_percentage": 200.0,
        "time_shift_ms": 100.0,
        "background_volume": 0.1,
        "background_frequency": 0.8,
        "warmup_ms": 500,
    },
    "architecture": {
        "name": "tenet",
        "params": {"channels": 32, "stages": 3, "blocks_per_stage": 4, "expansion": 3, "kernel": 9},
    },
    "training": {
        "steps": [6000, 3000],
        "learning_rates": [0.001, 0.0002],
        "batch_size": 64,
        "eval_every_steps": 300,
        "checkpoint_every_steps": 300,
        "early_stopping_evals": 10,
        "class_weights": True,
        "reduce_lr_patience_evals": 3,
        "reduce_lr_factor": 0.5,
        "min_learning_rate": 0.00001,
        "check_nans": True,
    },
    "quantization": {"mode": "int8", "representative_samples": 300},
    "streaming": {"mode": "window", "every_hops": 20},
    "recognition": {"average_window_ms": 440, "detection_threshold": 0.847, "suppression_ms": 900, "minimum_count": 2},
}

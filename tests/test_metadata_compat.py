"""Models exported before MLTK's frontend fields existed (dc_notch_coefficient, dynamic_range_db) still
load: the host reader and the firmware's kws take the defaults, the features off. tests/models holds such a model:
the pre-trained micro_speech shipped until the extra-engine recipe replaced it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hark.format.metadata import read_metadata
from hark.spec import OPTIONAL_FRONTEND_FIELDS, FrontendSpec
from hark.twin import Twin

OLD_MODEL = Path(__file__).resolve().parent / "models" / "micro_speech_without_mltk_frontend_fields.tflite"


def test_a_model_without_the_optional_frontend_keys_loads_with_them_off() -> None:
    model = OLD_MODEL.read_bytes()
    meta = read_metadata(model)
    assert not {f"frontend.{name}" for name in OPTIONAL_FRONTEND_FIELDS} & set(meta.entries)
    assert not FrontendSpec().enable_dc_notch and FrontendSpec().dynamic_range_db == 0.0
    rng = np.random.default_rng(0)
    audio = rng.integers(-3000, 3000, meta.sample_rate * 2, dtype=np.int16)
    result = Twin(model).run(audio)
    assert len(result.hops) == len(audio) // (meta.sample_rate * meta.hop_ms // 1000)

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


def test_replacing_the_metadata_leaves_no_dead_buffer_and_keeps_the_model() -> None:
    # `hark tune` rewrites the metadata of an exported model: each rewrite used to append the new blob and leave
    # the old one in the file (about 2 KB of flash per tune). Buffers nothing names are dropped now, and the
    # tensors' buffer references renumbered, so the model computes the same.
    from hark.format.flatbuffer import model_bytes, model_object, schema
    from hark.format.metadata import embed_metadata, extract_blob
    from hark.native.runtime import Interpreter

    model = (Path(__file__).resolve().parents[1] / "models" / "pretrained" / "micro_speech.tflite").read_bytes()
    blob = extract_blob(model)
    again = embed_metadata(model, blob)
    assert embed_metadata(again, blob) == again and len(again) <= len(model)
    # a dead buffer before the tensors' buffers: dropped, and every reference after it moves down by one
    obj = model_object(again)
    dead = schema.BufferT()
    dead.data = [1, 2, 3, 4]
    obj.buffers.insert(1, dead)
    for t in obj.subgraphs[0].tensors:
        t.buffer += t.buffer >= 1
    for m in obj.metadata:
        m.buffer += m.buffer >= 1
    padded = model_bytes(obj)
    assert len(padded) > len(again)
    assert embed_metadata(padded, blob) == again
    x = (np.arange(1960) % 256 - 128).astype(np.int8)
    outputs = []
    for m in (model, again):
        it = Interpreter(m)
        it.set_input(0, x)
        it.invoke()
        outputs.append(it.get_output(0).tobytes())
    assert outputs[0] == outputs[1]

"""Export: every spec end to end (dry-run train → int8 with metadata → tflite-micro → metadata round trip),
streaming int8 models in the tflite-micro interpreter (external state copied out → in; internal state kept by the
interpreter), the state-quantization refusal, the metadata reader's bounds checks, and the C array."""

from __future__ import annotations

import dataclasses
import re
import struct
import subprocess

import numpy as np
import pytest

from hark.spec import available_specs, load_spec

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from hark.evaluate.micro import ClipRunner, MicroModel  # noqa: E402
from hark.export.metadata import (  # noqa: E402
    MetadataError,
    StreamInfo,
    decode_blob,
    encode_blob,
    read_metadata,
    spec_entries,
)
from hark.export.quantize import convert  # noqa: E402
from hark.export.state_check import StatePair, StateQuantizationError, verify_state_pairs  # noqa: E402

# ---------------------------------------------------------------- metadata blob


def _entries():
    return {"spec.name": "m", "n": 7, "neg": -3, "f": 0.1, "flag": True, "list": [1, -2, 300000], "empty": ""}


def test_blob_round_trips_every_type_bit_exactly():
    blob = encode_blob(_entries())
    assert blob[:4] == b"HRK1" and struct.unpack_from("<HH", blob, 4) == (1, 7)
    got = decode_blob(blob)
    assert got["spec.name"] == "m" and got["n"] == 7 and got["neg"] == -3 and got["flag"] == 1
    assert got["f"] == struct.unpack("<f", struct.pack("<f", 0.1))[0]  # float32, bit-exact
    assert got["list"] == (1, -2, 300000) and got["empty"] == ""


def test_blob_layout_matches_the_documented_format():
    blob = encode_blob({"ab": 5})
    # magic, version 1, one entry: u8 key_len, key, u8 type, u16 value_len, value
    assert blob == b"HRK1" + b"\x01\x00\x01\x00" + b"\x02ab" + b"i" + b"\x04\x00" + b"\x05\x00\x00\x00"


def test_reader_refuses_every_truncation_and_overrun():
    blob = encode_blob(_entries())
    for cut in range(len(blob)):
        with pytest.raises(MetadataError):
            decode_blob(blob[:cut])
    grown = bytearray(blob)
    grown[6] += 1  # one entry more than the blob holds
    with pytest.raises(MetadataError, match="overruns"):
        decode_blob(bytes(grown))
    with pytest.raises(MetadataError, match="version"):
        decode_blob(blob[:4] + b"\x02\x00" + blob[6:])
    bad_int = encode_blob({"x": "abc"}).replace(b"xs", b"xi")  # an int entry of 3 bytes
    with pytest.raises(MetadataError, match="not 4"):
        decode_blob(bad_int)


def test_reader_skips_unknown_keys_and_types_and_names_missing_required_keys():
    spec = load_spec("micro_speech")
    entries = spec_entries(spec, StreamInfo(window_frames=49, frames_per_call=49))
    blob = bytearray(encode_blob({"zz.future": 1, **entries}))
    blob += b""  # trailing bytes after the entries are allowed by the format
    got = decode_blob(bytes(blob))
    assert got["labels"] == "_silence_,_unknown_,yes,no"
    odd = encode_blob({"odd": 1}).replace(b"oddi", b"oddq")  # an unknown type is skipped, not an error
    assert decode_blob(odd) == {}
    from hark.export.metadata import check_entries

    del entries["recognition.suppression_ms"]
    with pytest.raises(MetadataError, match="'recognition.suppression_ms'"):
        check_entries(entries)


# ---------------------------------------------------------------- state quantization


def _state_model(next_state: str) -> keras.Model:
    features = keras.Input(batch_shape=(1, 1, 8), name="features")
    state = keras.Input(batch_shape=(1, 3, 8), name="state_in_00_conv")
    window = keras.layers.Concatenate(axis=1)([state, features])
    if next_state == "shift":  # the ring buffer: the last 3 frames, the same values the input held
        new_state = keras.layers.Lambda(lambda w: w[:, 1:, :])(window)
    else:  # an arithmetic state update: its range, so its scale, differs from the input's
        new_state = keras.layers.Lambda(lambda s: s * 4.0 + 1.0)(state)
    flat = keras.layers.Flatten()(window)
    probs = keras.layers.Dense(3, activation="softmax")(flat)
    new_state = keras.layers.Identity(name="state_out_00_conv")(new_state)
    return keras.Model({"features": features, "state_in_00_conv": state},
                       {"probabilities": probs, "state_out_00_conv": new_state})


def _representative():
    rng = np.random.default_rng(0)
    for _ in range(16):
        yield [rng.uniform(0, 5, (1, 1, 8)).astype(np.float32), rng.uniform(0, 5, (1, 3, 8)).astype(np.float32)]


def test_state_pair_sharing_quantization_passes():
    tflite = convert(_state_model("shift"), "int8", _representative)
    verify_state_pairs(tflite, [StatePair(1, 1, "state_in_00_conv")])


def test_state_pair_with_different_quantization_is_refused_loudly():
    tflite = convert(_state_model("affine"), "int8", _representative)
    with pytest.raises(StateQuantizationError, match="state_in_00_conv.*scale"):
        verify_state_pairs(tflite, [StatePair(1, 1, "state_in_00_conv")])


# ---------------------------------------------------------------- C array


def test_c_array_compiles_is_aligned_and_holds_the_model_bytes(tmp_path):
    from hark.export.c_array import write_c_array

    payload = bytes(range(256)) * 3 + b"\x07"
    src, hdr = write_c_array(payload, "demo-1", ["_silence_", 'q"uote'], tmp_path)
    body = src.read_text()
    values = bytes(int(v, 16) for v in re.findall(r"0x([0-9a-f]{2})", body))
    assert values == payload and "aligned(16)" in body
    main = tmp_path / "main.c"
    main.write_text(
        '#include <stdint.h>\n#include <stdio.h>\n#include <string.h>\n#include "demo-1_model.h"\n'
        "int main(void) {\n"
        "  if (((uintptr_t)demo_1_model) % 16u != 0u) return 1;\n"
        "  if (demo_1_model_len != 769u || DEMO_1_MODEL_LEN != 769u) return 2;\n"
        "  if (demo_1_model[768] != 7u || demo_1_model[255] != 255u) return 3;\n"
        '  if (strcmp(demo_1_labels[1], "q\\"uote") != 0 || DEMO_1_LABEL_COUNT != 2u) return 4;\n'
        "  return 0;\n}\n"
    )
    exe = tmp_path / "check"
    subprocess.run(["gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-I", str(tmp_path), str(main), str(src),
                    "-o", str(exe)], check=True, timeout=60)
    assert subprocess.run([str(exe)], timeout=30).returncode == 0


# ---------------------------------------------------------------- every spec end to end


@pytest.fixture(scope="module")
def dry_runs(kws_dataset, tmp_path_factory):
    """Every spec dry-run trained once (a few steps), shared by the export tests."""
    from hark.train.run import train

    root = tmp_path_factory.mktemp("runs")
    runs = {}
    for name in available_specs():
        out = train(load_spec(name), root / name, data_dir=kws_dataset, dry_run=True, dry_run_steps=4, verbose=False)
        assert out.fit.steps == 4
        runs[name] = out.run.root
    return runs


@pytest.mark.parametrize("name", available_specs())
def test_every_spec_trains_exports_and_runs_in_tflite_micro(name, dry_runs, kws_dataset, tmp_path):
    from hark.export.pipeline import export_run
    from hark.train.run_folder import RunFolder

    spec = RunFolder(dry_runs[name]).spec()  # the dry-run spec: the model spec with a few steps
    assert spec.architecture == load_spec(name).architecture
    result = export_run(dry_runs[name], tmp_path, data_dir=kws_dataset, report=False)
    tflite = result.tflite_path.read_bytes()
    meta = read_metadata(tflite)
    assert meta.labels == list(spec.labels) and meta["spec.hash"] == spec.hash and meta["spec.name"] == name
    expected = {f.name: getattr(spec.frontend, f.name) for f in dataclasses.fields(spec.frontend) if f.name != "kind"}
    assert meta.frontend() == {k: float(np.float32(v)) if isinstance(v, float) else int(v) for k, v in expected.items()}
    assert meta["recognition.detection_threshold"] == pytest.approx(spec.recognition.detection_threshold)
    assert meta.stream.mode == spec.streaming.mode
    model = MicroModel(tflite)
    assert model.arena_bytes() > 0
    assert all(np.dtype(d["dtype"]) == np.int8 for d in model.inputs + model.outputs)
    clip = np.random.default_rng(1).uniform(0, 20, (spec.frontend.num_frames, spec.frontend.num_channels))
    scores = ClipRunner(model, meta.stream).clip_scores(clip)
    assert scores.shape == (len(spec.labels),) and abs(scores.sum() - 1.0) < 0.05
    c_text = result.c_source.read_text()
    assert f"{len(tflite)}u" in result.c_header.read_text() and c_text.count("0x") == len(tflite)

"""The op table generated from models (hark.format.op_table, CMake's hark_runtime_ops): exactly the kernels
their graphs use, in runtime_ops.def's order; a model needing an op the runtime lacks fails, naming it."""

from __future__ import annotations

from pathlib import Path

import pytest
from runtime_oracle import reference_dir

from hark import paths
from hark.format.op_table import OpTableError, main, op_table, runtime_kernels

OPS_DEF = paths.REPO_ROOT / "firmware" / "runtime" / "runtime_ops.def"


def test_kernels_come_from_runtime_ops_def() -> None:
    kernels = runtime_kernels(OPS_DEF)
    assert kernels["FULLY_CONNECTED"] == 9 and kernels["DEPTHWISE_CONV_2D"] == 4 and len(kernels) >= 20


def test_micro_speech_needs_its_four_kernels() -> None:
    model = reference_dir() / "tflite-micro" / "models" / "micro_speech_quantized.tflite"
    kernels = runtime_kernels(OPS_DEF)
    assert op_table([model], kernels, variants=False) == ["FULLY_CONNECTED", "DEPTHWISE_CONV_2D", "RESHAPE", "SOFTMAX"]
    # Its one depthwise layer has one input channel: the variant with only that path (runtime.h declares it).
    table = op_table([model], kernels)
    assert table == ["FULLY_CONNECTED", "DEPTHWISE_CONV_2D_ONE_CHANNEL", "RESHAPE", "SOFTMAX"]
    runtime_h = (OPS_DEF.parent / "runtime.h").read_text()
    assert "extern const runtime_kernel_t rt_kernel_DEPTHWISE_CONV_2D_ONE_CHANNEL;" in runtime_h


def test_a_model_set_takes_the_union(tmp_path: Path) -> None:
    ref = reference_dir()
    models = [ref / "tflite-micro" / "models" / "keyword_scrambled.tflite", ref / "benchmarks" / "ds_cnn_mlperf.tflite"]
    out = tmp_path / "ops.c"
    assert main([*map(str, models), "--ops-def", str(OPS_DEF), "--symbol", "my_ops", "--out", str(out)]) == 0
    text = out.read_text()
    # ds_cnn's depthwise layers have 64 input channels: the whole kernel, not the one-channel variant
    for name in ("QUANTIZE", "SVDF", "CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "SOFTMAX"):
        assert f"&RUNTIME_KERNEL({name})," in text
    assert "RUNTIME_KERNEL(LOGISTIC)" not in text
    assert "const runtime_ops_t my_ops = {kernels, 7u, NULL};" in text


def test_an_op_without_a_kernel_is_named() -> None:
    model = reference_dir() / "tflite-micro" / "models" / "audio_preprocessor_int8.tflite"
    with pytest.raises(OpTableError, match=r"int8.tflite: the runtime has no kernel for .*SignalWindow"):
        op_table([model], runtime_kernels(OPS_DEF))


def test_bad_files_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "junk.tflite"
    junk.write_bytes(b"\x00\x01not a model")
    kernels = runtime_kernels(OPS_DEF)
    with pytest.raises(OpTableError, match="junk.tflite: not a readable .tflite"):
        op_table([junk], kernels)
    with pytest.raises(OpTableError, match="missing.tflite"):
        op_table([tmp_path / "missing.tflite"], kernels)
    out = tmp_path / "o.c"
    assert main([str(junk), "--ops-def", str(OPS_DEF), "--symbol", "x", "--out", str(out)]) == 1
    assert "junk.tflite" in capsys.readouterr().err and not out.exists()
    assert main([str(junk), "--ops-def", str(OPS_DEF), "--symbol", "1x", "--out", str(out)]) == 2

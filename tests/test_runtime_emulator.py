"""The runtime on the emulated Cortex-M4 (DSP kernels, -O2, the board's own arena): each benchmark image
runs its model on a fixed input and must print tflite-micro's exact output bytes; micro_speech must fit
TFLM's arena."""

from __future__ import annotations

import numpy as np
import pytest
from runtime_oracle import reference_dir, tflm_interpreter

from hark.device.runtime_bench import BENCH_MODELS, bench_image, pattern_input, run_bench

pytestmark = pytest.mark.emulator


def _tflm_outputs(model: bytes) -> list[bytes]:
    it = tflm_interpreter(model)
    d = it.get_input_details(0)
    x = np.frombuffer(pattern_input(int(np.prod(d["shape"])) * np.dtype(d["dtype"]).itemsize), d["dtype"])
    it.set_input(x.reshape(d["shape"]), 0)
    it.invoke()
    return [it.get_output(0).tobytes()]


@pytest.mark.parametrize("name", list(BENCH_MODELS))
def test_board_outputs_match_tflite_micro(name: str) -> None:
    image = bench_image(name)
    if not image.is_file():
        pytest.fail(f"{image} is missing: run ./hark test, which builds the ARM tree before pytest")
    run = run_bench(image)
    assert run.outputs == _tflm_outputs((reference_dir() / BENCH_MODELS[name]).read_bytes())
    # The profiler saw every op once, and the ops add up to about the whole invoke (the hooks cost a little).
    assert [i for i, _, _ in run.ops] == list(range(len(run.ops)))
    assert 0.97 < sum(d for _, _, d in run.ops) / run.invoke_instructions < 1.03
    if name == "micro_speech":
        assert run.arena_bytes <= 6788, "TFLM's arena for micro_speech on the same board"
        assert [n for _, n, _ in run.ops] == ["RESHAPE", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "SOFTMAX"]

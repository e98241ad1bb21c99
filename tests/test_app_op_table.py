"""The app built with HARK_APP_OPS_MODELS (PlatformIO: custom_hark_cmake_args): it links only the kernels of the
named models, runs them as the full app does, and refuses an uploaded model that needs any other op, naming it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from board_oracle import assert_board_equals_twin

from hark import paths
from hark.device import DeviceError, emulated_link

pytestmark = pytest.mark.emulator

PRETRAINED = paths.REPO_ROOT / "models" / "pretrained"


@pytest.fixture(scope="module")
def ops_image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mps2-an386 app with micro_speech's op table (the same toolchain file and Python as ./hark's builds)."""
    build = tmp_path_factory.mktemp("arm-ops")
    venv_python = paths.REPO_ROOT / ".venv" / "bin" / "python"
    subprocess.run(
        ["cmake", "-S", str(paths.REPO_ROOT), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
         f"-DCMAKE_TOOLCHAIN_FILE={paths.REPO_ROOT / 'cmake' / 'arm-none-eabi.cmake'}",
         f"-DHARK_PYTHON={venv_python}", f"-DHARK_APP_OPS_MODELS={PRETRAINED / 'micro_speech.tflite'}"],
        check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(["cmake", "--build", str(build), "--target", "hark_app", "-j", "2"], check=True, capture_output=True)
    return build / "firmware" / "app" / "hark_app.elf"


def _text_bytes(image: Path) -> int:
    out = subprocess.run(["arm-none-eabi-size", str(image)], check=True, capture_output=True, text=True).stdout
    return int(out.splitlines()[1].split()[0])


def test_the_op_table_image_is_smaller_and_runs_its_model(ops_image: Path) -> None:
    full = paths.firmware_image("hark_app")
    if not full.is_file():
        pytest.fail(f"{full} is missing: run ./hark test, which builds it before pytest")
    assert _text_bytes(ops_image) < _text_bytes(full) - 20_000  # the kernels micro_speech does not use are gone
    model = (PRETRAINED / "micro_speech.tflite").read_bytes()
    rng = np.random.default_rng(21)
    n = 3 * 16000
    audio = np.clip(rng.standard_normal(n) * 3000 * (0.5 + 0.5 * np.sin(np.linspace(0, 6 * np.pi, n))), -32768, 32767)
    assert_board_equals_twin(model, audio.astype(np.int16), threshold=0.05, suppression_ms=300, min_hops=30,
                             timeout=120.0, image=ops_image)  # fmt: skip


def test_a_model_with_other_ops_is_refused_by_name(ops_image: Path) -> None:
    with emulated_link(ops_image, timeout=30.0) as link:
        link.upload_model((PRETRAINED / "ds_cnn.tflite").read_bytes())
        # The first op micro_speech lacks (ds_cnn's state concatenation today) is named, with its index.
        with pytest.raises(DeviceError, match=r"MODEL_UNSUPPORTED.*op \d+ \([A-Z_0-9]+, builtin code \d+\)"):
            link.switch_model()
        link.ping()  # still answering, with no model

"""The device suite on the emulated STM32F405 (QEMU netduinoplus2, boards/stm32f4): boot and identity, model
upload and profile, 30 s of audio streamed over USART1 whose detections equal the host twin's bit for bit,
the semihosting microphone listening from boot, a model larger than the RAM upload buffer profiled from the
model flash region; plus the build-time fit check's error."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import flatbuffers
import numpy as np
import pytest
from reference import reference_dir
from tensorflow.lite.python import schema_py_generated as schema

from hark import paths
from hark.data.wav import write_wav
from hark.device import DeviceError, emulated_link, run_to_exit
from hark.device.builtin_models import builtin_model, reference_speech
from hark.device.semihost_mic import listen
from hark.device.session import _use_model, open_device
from hark.native.runtime import Interpreter
from hark.profiling import profile_on_device
from hark.twin import Twin

pytestmark = pytest.mark.emulator
BOARD = "netduinoplus2"


def _variant(name: str) -> int:
    """A size the board's variant sets (the build's one source for it)."""
    text = (paths.REPO_ROOT / "boards" / "stm32f4" / "variants" / f"{BOARD}.cmake").read_text()
    return int(re.search(rf"set\({name} (\d+)\)", text).group(1))  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def image() -> Path:
    image = paths.firmware_image("hark_app", board=BOARD)
    if not image.is_file():
        pytest.fail(f"{image} is missing: run ./hark test, which builds it before pytest")
    return image


@pytest.fixture(scope="module")
def micro_speech() -> bytes:
    reference_dir()  # TFLM's micro_speech: skipped with how to fetch it in a plain clone, required in CI
    return builtin_model("micro_speech")


def test_boot_and_identity(image: Path) -> None:
    with emulated_link(image) as link:
        ident = link.identity()
        link.ping(b"netduino")
    assert ident.board == BOARD and ident.cpu == "cortex-m4f"
    # QEMU models no RCC: the clock tree timed out on the HSE and says it runs on the HSI, never hangs.
    assert ident.clock == "HSI 16 MHz: HSE not ready (timeout)" and ident.clock_hz == 16_000_000
    assert ident.counter == "instructions"
    assert ident.static_ram_bytes + ident.stack_bytes <= 128 * 1024  # the real part's SRAM, not QEMU's 192 KB
    assert ident.arena_bytes == _variant("HARK_BOARD_ARENA_BYTES")
    assert ident.upload_capacity_bytes == _variant("HARK_BOARD_UPLOAD_BYTES")
    assert ident.flash_capacity_bytes == 65_536  # QEMU-only SRAM standing in for flash (no flash interface)
    assert 0 < ident.stack_peak_bytes < ident.stack_bytes


def test_upload_profile_and_refuse_a_model_too_big(image: Path, micro_speech: bytes) -> None:
    with emulated_link(image, timeout=30.0) as link:
        with pytest.raises(DeviceError, match=r"MODEL_TOO_LARGE.*capacity 53248"):
            link.upload_model(b"\0" * 60_000)
        link.upload_model(micro_speech)
        link.switch_model()
        counts = link.profile()
        ident = link.identity()
    assert len(counts) == 4 and all(c > 0 for c in counts)
    assert abs(sum(counts) - link.last_profile_total) <= 0.01 * link.last_profile_total
    assert ident.model_bytes == len(micro_speech) and 0 < ident.arena_used_bytes <= ident.arena_bytes


def test_30s_streamed_audio_equals_twin(image: Path, micro_speech: bytes) -> None:
    audio = reference_speech(30)
    twin = Twin(micro_speech).run(audio)
    with open_device(image=image, model=micro_speech, timeout=30.0) as link:
        link.set_param("report.scores_every_hops", 1)
        result = link.stream_audio(audio, timeout=300.0)
        stats = link.stats()
    board = [(m.hop, m.time_ms, np.asarray(m.scores, np.int8)) for m in result.of("SCORES")]
    assert len(board) == len(twin.scores) > 1400  # every hop once the 49-frame window has filled
    for (bh, bt, bs), (th, tt, ts) in zip(board, twin.scores, strict=True):
        assert (bh, bt) == (th, tt) and np.array_equal(bs, ts)
    dets = [(m.label_name, m.time_ms, m.score) for m in result.of("DETECTION")]
    assert len(dets) >= 10 and dets == [(d.label, int(d.time_ms), int(d.score)) for d in twin.detections]
    assert stats["rx_overruns"] == 0 and stats["audio_lost_samples"] == 0


def test_counter_is_an_exact_instruction_count() -> None:
    image = paths.firmware_image("hark_counter_selftest", board=BOARD)
    runs = [run_to_exit(image).debug_output for _ in range(2)]
    assert runs[0] == runs[1] == "counter_selftest 1000=6018 10000=60018 100000=600018\n"


def test_builtin_model_listens_from_boot(micro_speech: bytes, tmp_path: Path) -> None:
    """The image CI builds with micro_speech in flash (tools/build_boards.py) hears its semihosting microphone
    from boot, with no request over serial, and detects what the twin detects."""
    image = paths.build_dir(f"arm-{BOARD}-models") / "firmware" / "app" / "hark_app.elf"
    if not image.is_file():
        pytest.fail(f"{image} is missing: run ./hark test, which builds every board image before pytest")
    audio = reference_speech(12)
    wav = tmp_path / "mic.wav"
    write_wav(wav, audio, 16000)
    run = listen(image, wav)
    twin = [(d.label, int(d.time_ms), int(d.score)) for d in Twin(micro_speech).run(audio).detections]
    assert run.hops == len(audio) // 320 and not run.errors
    assert len(twin) >= 4 and run.detections == twin


def test_fit_check_names_board_and_arena(tmp_path: Path, micro_speech: bytes) -> None:
    model = tmp_path / "micro_speech.tflite"
    model.write_bytes(micro_speech)
    cmd = [sys.executable, "-m", "hark.cli.main", "fit", str(model), "--arena", "8192", "--board", BOARD]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    assert f"does not fit board {BOARD}" in out.stderr and "arena 8192 B" in out.stderr
    # what the model needs in all, not only the runtime's share of what is left (hark fit probes a big arena)
    need = Twin(micro_speech).arena_used
    assert f"it needs {need} B, {need - 8192} B more" in out.stderr


def test_fit_check_passes_the_shipped_ds_cnn_at_the_board_arena(tmp_path: Path) -> None:
    """The build's pre-link check plans on the 64-bit host twin, whose records are larger than the board's: the
    board's arena leaves room for the shipped ds_cnn by that figure too, so the build links it."""
    model = paths.REPO_ROOT / "models" / "pretrained" / "ds_cnn.tflite"
    arena = _variant("HARK_BOARD_ARENA_BYTES")
    cmd = [sys.executable, "-m", "hark.cli.main", "fit", str(model), "--arena", str(arena), "--board", BOARD]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert f"needs {Twin(model.read_bytes()).arena_used} B of the {arena} B arena on {BOARD}" in out.stdout


def _fully_connected_model(inputs: int, outputs: int, seed: int = 0) -> bytes:
    """An int8 FULLY_CONNECTED model whose weights make it big and whose arena stays small."""
    rng = np.random.default_rng(seed)

    def buffer(data: np.ndarray | None = None) -> schema.BufferT:
        b = schema.BufferT()
        b.data = None if data is None else np.frombuffer(data.tobytes(), np.uint8)
        return b

    def tensor(name: str, shape: list[int], ttype: int, buf: int, scale: float, zero: int) -> schema.TensorT:
        t = schema.TensorT()
        t.name, t.shape, t.type, t.buffer = name.encode(), shape, ttype, buf
        t.quantization = schema.QuantizationParametersT()
        t.quantization.scale, t.quantization.zeroPoint = [scale], [zero]
        return t

    weights = rng.integers(-127, 128, (outputs, inputs), dtype=np.int8)
    bias = rng.integers(-2000, 2000, outputs, dtype=np.int32)
    model = schema.ModelT()
    model.version, model.description = 3, b"fully connected, big weights"
    model.buffers = [buffer(), buffer(), buffer(weights), buffer(bias), buffer()]
    code = schema.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.FULLY_CONNECTED
    code.version = 1
    model.operatorCodes = [code]
    sg = schema.SubGraphT()
    sg.tensors = [
        tensor("input", [1, inputs], schema.TensorType.INT8, 1, 0.05, -3),
        tensor("weights", [outputs, inputs], schema.TensorType.INT8, 2, 0.01, 0),
        tensor("bias", [outputs], schema.TensorType.INT32, 3, 0.0005, 0),
        tensor("output", [1, outputs], schema.TensorType.INT8, 4, 0.5, 2),
    ]
    op = schema.OperatorT()
    op.opcodeIndex, op.inputs, op.outputs = 0, [0, 1, 2], [3]
    op.builtinOptionsType = schema.BuiltinOptions.FullyConnectedOptions
    op.builtinOptions = schema.FullyConnectedOptionsT()
    sg.operators, sg.inputs, sg.outputs = [op], [0], [3]
    model.subgraphs = [sg]
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def test_a_model_larger_than_the_upload_buffer_profiles_from_flash(image: Path) -> None:
    """The protocol's flash path end to end (model.store = 1): a 58 KB model, more than the 52 KB RAM
    upload buffer, goes into the model flash region, verifies (CRC over the bytes read back), runs in place
    and profiles; the same model into RAM is refused with a hint naming the flash region."""
    model = _fully_connected_model(256, 224)
    assert 53_248 < len(model) <= 65_536
    host = Interpreter(model)
    host.enable_profiling()
    host.invoke()
    with open_device(image=image, timeout=30.0) as link:
        with pytest.raises(DeviceError, match=r"MODEL_TOO_LARGE.*capacity 53248.*model flash region takes it"):
            _use_model(link, model)
        report = profile_on_device(model, link, name="fc_big", flash=True)
        ident = link.identity()
    assert ident.model_bytes == len(model) and ident.flash_capacity_bytes == 65_536
    assert [row.op for row in report.layers] == ["FULLY_CONNECTED"] == [p.name for p in host.profile]
    assert report.invoke_total > 256 * 224  # at least one instruction per multiply-accumulate
    assert any("model flash region" in note for note in report.notes)

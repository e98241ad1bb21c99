"""The app's microphone path on the emulated mps2-an386: a 60 s WAV named as the board's semihosting
microphone goes through board_audio_read and the same hops as serial audio; the detections equal the host
twin's bit for bit. Wall time against serial streaming is a benchmark, not a test: tools/bench_mic.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from reference import reference_dir

from hark.data.wav import write_wav
from hark.device import DeviceError, emulated_link
from hark.device.builtin_models import builtin_model, reference_speech
from hark.device.semihost_mic import listen
from hark.twin import Twin

pytestmark = pytest.mark.emulator
SR = 16000


@pytest.fixture(scope="module")
def micro_speech() -> bytes:
    reference_dir()  # TFLM's micro_speech: skipped with how to fetch it in a plain clone, required in CI
    return builtin_model("micro_speech")


def test_semihost_microphone_60s_equals_twin(app_image: Path, micro_speech: bytes,
                                                             tmp_path: Path) -> None:
    audio = reference_speech(60)
    wav = tmp_path / "mic60.wav"
    write_wav(wav, audio, SR)
    twin = [(d.label, int(d.time_ms), int(d.score)) for d in Twin(micro_speech).run(audio).detections]
    run = listen(app_image, wav, model=micro_speech)
    assert run.hops == len(audio) // 320 and run.stats["audio_lost_samples"] == 0 and not run.errors
    assert len(twin) >= 20 and run.detections == twin


def test_serial_audio_switches_the_microphone_off_and_back(app_image: Path, micro_speech: bytes,
                                                           tmp_path: Path) -> None:
    wav = tmp_path / "mic.wav"
    write_wav(wav, reference_speech(4), SR)
    with emulated_link(app_image, mic=wav) as link:
        assert link.identity().has_microphone and link.get_param("audio.source") == 1
        link.upload_model(micro_speech)
        link.switch_model()
        link.start_audio()  # serial audio takes over
        assert link.get_param("audio.source") == 0
        assert link.set_param("audio.source", 1) == 1
        link.wait_until(lambda: link.stats()["audio_samples"] >= 4 * SR, 30.0, "the microphone to play the WAV")
    with emulated_link(app_image) as link:  # no WAV named: no microphone
        assert not link.identity().has_microphone and link.get_param("audio.source") == 0
        with pytest.raises(DeviceError, match="NOT_AVAILABLE"):
            link.set_param("audio.source", 1)


def test_a_wav_that_is_not_16khz_mono_is_refused_with_a_reason(app_image: Path, tmp_path: Path) -> None:
    wav = tmp_path / "mic8k.wav"
    write_wav(wav, np.zeros(8000, np.int16), 8000)
    with emulated_link(app_image, mic=wav) as link:
        assert not link.identity().has_microphone
        assert "not 16 kHz mono 16-bit PCM" in link.emulator.qemu_log()

"""The PDM -> PCM decimator (firmware/pdm): bit-exact against its numpy model (hark.features.pdm) on random PDM
streams and on a sigma-delta encoding of a real clip; the recovered clip's SNR against the original; the
committed tables equal the design; and its instruction count per 20 ms hop on the emulated board."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest
from reference import reference_file

from hark import paths
from hark.data.wav import read_wav
from hark.device import run_to_exit
from hark.features import pdm as model
from hark.native import pdm as binding

CLIP = "tflite-micro/testdata/yes_1000ms.wav"  # TFLM's real recording, under the reference folder


def pdm_of_clip(amplitude: float = 0.5) -> tuple[np.ndarray, np.ndarray, float]:
    """The clip as float, its PDM encoding (peak at `amplitude` of PDM full scale), and the scale used."""
    x = read_wav(reference_file(CLIP), 16000).astype(np.float64) / 32768.0
    scale = amplitude / np.abs(x).max()
    return x, model.sigma_delta(model.upsample(x * scale, 64)), scale


def snr_db(recovered: np.ndarray, original: np.ndarray) -> float:
    """SNR of the decimator's output against the original clip delayed by the filters' group delay
    (interior only: the FFT-based encoder treats the clip as periodic)."""
    ref = model.delay(original, model.group_delay_out_samples())
    keep = slice(800, len(original) - 800)
    err = recovered[keep] - ref[keep]
    return float(10 * np.log10(np.sum(ref[keep] ** 2) / np.sum(err**2)))


def test_tables_are_the_design() -> None:
    out = subprocess.run([sys.executable, str(paths.REPO_ROOT / "tools" / "gen_pdm_tables.py"), "--check"],
                         capture_output=True, text=True)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert np.array_equal(binding.fir_taps(), model.design_fir())
    assert np.array_equal(binding.cic_lut(), model.cic_lut())
    assert int(model.design_fir().astype(np.int64).sum()) == 32768


@pytest.mark.parametrize("seed,gain,pieces", [(0, 0, 1), (1, 3, 7), (2, 8, 13)])
def test_random_pdm_is_bit_exact(seed: int, gain: int, pieces: int) -> None:
    rng = np.random.default_rng(seed)
    density = rng.uniform(0.05, 0.95)  # any bias, up to near full scale (saturation included at gain 8)
    bits = (rng.random(16 * 4 * 3001) < density).astype(np.uint8)
    words = np.packbits(bits.reshape(-1, 16), axis=1).view(">u2").reshape(-1).astype(np.uint16)
    c = binding.decimate(words, gain, pieces)
    assert len(c) == len(words) // 4
    assert np.array_equal(c, model.decimate(words, model.design_fir(), gain))


def test_real_clip_is_bit_exact_and_recovered_above_40_db() -> None:
    x, words, scale = pdm_of_clip()
    c = binding.decimate(words, gain_log2=1)
    assert np.array_equal(c, model.decimate(words, model.design_fir(), 1))
    recovered = c.astype(np.float64) / 32768.0 / (2 * scale)
    snr = snr_db(recovered, x)
    print(f"PDM round trip of {CLIP}: SNR {snr:.2f} dB")
    assert snr >= 40.0


def test_frequency_response() -> None:
    fir = model.design_fir()
    f = np.array([100.0, 1000.0, 4000.0, 7000.0, 8800.0, 12000.0, 24000.0])
    db = 20 * np.log10(model.response(f, fir))
    assert np.all(np.abs(db[:4]) < 0.25), db  # flat passband (CIC droop compensated)
    assert np.all(db[4:] < -60.0), db  # stopband: aliases into 0..7.2 kHz stay 60 dB down


def test_instructions_per_hop_on_the_emulated_board() -> None:
    image = paths.build_dir("arm") / "firmware" / "pdm" / "hark_pdm_bench.elf"
    run = run_to_exit(image)
    assert run.returncode == 0, run.debug_output
    per_hop = int(re.search(r"per_hop=(\d+)", run.debug_output).group(1))
    print(f"PDM decimation: {per_hop} instructions per 20 ms hop (QEMU instruction count)")
    assert 50_000 < per_hop < 400_000


@pytest.mark.parametrize("scale_log2,pieces", [(1, 1), (-3, 5), (4, 3)])
def test_dfsdm_dc_blocker_is_bit_exact(scale_log2: int, pieces: int) -> None:
    """The L475's hardware-decimated path: 24-bit sinc results (with an offset, steps and full-scale swings),
    scaled and DC-blocked; the C code equals the numpy model, and the offset is removed."""
    rng = np.random.default_rng(scale_log2 + 10)
    n = 6000
    t = np.arange(n)
    value = 40_000 + 60_000 * np.sin(2 * np.pi * 440 * t / 16000) + rng.normal(0, 3000, n)
    value[2000:2100] = 2**23 - 1  # full scale: the int32 clamp and the int16 saturation are reached
    value[2100:2200] = -(2**23)
    rdatar = (np.clip(value, -(2**23), 2**23 - 1).astype(np.int64) << 8).astype(np.int64)
    rdatar = (rdatar & 0xFFFFFF00) | rng.integers(0, 256, n)  # the low byte holds flags, not data
    rdatar = rdatar.astype(np.uint32).view(np.int32)
    c = binding.dc_block(rdatar, 32604, scale_log2, pieces)
    assert np.array_equal(c, model.dc_block(rdatar, 32604, scale_log2))
    if scale_log2 < 0:
        assert abs(float(np.mean(c[4000:]))) < 0.02 * float(np.std(c[4000:]))  # the 40,000 offset is gone

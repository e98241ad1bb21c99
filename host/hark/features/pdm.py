"""A numpy model of firmware/pdm, the same integer arithmetic computed another way (a direct convolution
with the CIC kernel instead of the C code's byte lookup tables), and the design of its tables.

Stage 1: sinc^4 CIC, decimation 16 (1.024 MHz -> 64 kHz), |y| <= 16^4. Stage 2: symmetric FIR_TAPS-tap
low-pass in Q15 with CIC droop compensation, decimation 4 (-> 16 kHz), int64 accumulator, rounded shift
and saturation to int16.
"""

from __future__ import annotations

import numpy as np

PDM_RATE = 1_024_000
CIC_ORDER = 4
CIC_DECIMATION = 16
FIR_DECIMATION = 4
FIR_TAPS = 128
MID_RATE = PDM_RATE // CIC_DECIMATION  # 64 kHz
OUT_RATE = MID_RATE // FIR_DECIMATION  # 16 kHz
PASS_HZ = 7200.0  # flat (droop-compensated) up to here
STOP_HZ = 8800.0  # attenuated from here: aliases of 8.8..24 kHz land at or above 7.2 kHz
SILENCE_WORD = 0xAAAA  # the window's start: alternating bits, a PDM zero


def cic_kernel() -> np.ndarray:
    """The CIC as an FIR: the 61 integer taps of (1 + z^-1 + ... + z^-15)^4."""
    k = np.ones(1, np.int64)
    for _ in range(CIC_ORDER):
        k = np.convolve(k, np.ones(CIC_DECIMATION, np.int64))
    return k


def cic_lut() -> np.ndarray:
    """int16 [8][256]: the kernel's contribution of window byte m (oldest first, MSB earliest) for every
    byte value; the 64-bit window's bit j (0 oldest) has weight kernel[63 - j] (0 beyond the kernel)."""
    k = cic_kernel()
    weight = np.zeros(64, np.int64)
    for j in range(64):
        if 63 - j < len(k):
            weight[j] = k[63 - j]
    lut = np.zeros((8, 256), np.int64)
    values = np.arange(256)
    for m in range(8):
        for t in range(8):
            bit = (values >> (7 - t)) & 1
            lut[m] += weight[8 * m + t] * (2 * bit - 1)
    assert np.abs(lut).max() <= np.iinfo(np.int16).max
    return lut.astype(np.int16)


def cic_response(f: np.ndarray) -> np.ndarray:
    """|H| of the CIC at frequencies f (Hz), 1 at DC."""
    x = np.pi * np.asarray(f, np.float64) / PDM_RATE
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(x == 0, 1.0, np.sin(CIC_DECIMATION * x) / (CIC_DECIMATION * np.sin(x)))
    return np.abs(r) ** CIC_ORDER


def design_fir(stop_weight: float = 40.0) -> np.ndarray:
    """Weighted least-squares linear-phase low-pass at 64 kHz: 1 / CIC(f) to PASS_HZ, 0 from STOP_HZ;
    quantized to Q15 int16 with a DC gain of 1 (sum 32768)."""
    half = FIR_TAPS // 2
    fp = np.linspace(0.0, PASS_HZ, 400)
    fs = np.linspace(STOP_HZ, MID_RATE / 2, 1200)
    f = np.concatenate([fp, fs])
    want = np.concatenate([1.0 / cic_response(fp), np.zeros_like(fs)])
    weight = np.concatenate([np.ones_like(fp), np.full_like(fs, stop_weight)])
    basis = 2.0 * np.cos(2.0 * np.pi * f[:, None] * (np.arange(half)[None, :] + 0.5) / MID_RATE)
    h, *_ = np.linalg.lstsq(basis * weight[:, None], want * weight, rcond=None)
    taps = np.concatenate([h[::-1], h])
    taps = np.round(taps / taps.sum() * 32768.0).astype(np.int64)
    # Rounding moves the DC gain by a few LSB: put the difference on the two centre taps (symmetry
    # kept), so a full-scale PDM stream is exactly int16 full scale.
    residual = 32768 - int(taps.sum())
    taps[half - 1] += residual // 2
    taps[half] += residual - residual // 2
    return taps.astype(np.int16)


def response(f: np.ndarray, fir: np.ndarray) -> np.ndarray:
    """|H| of the whole decimator at f (Hz) before decimation: CIC times the FIR (aliasing not included)."""
    f = np.asarray(f, np.float64)
    n = np.arange(len(fir))
    h = np.abs(np.exp(-2j * np.pi * f[:, None] * n[None, :] / MID_RATE) @ (fir.astype(np.float64) / 32768.0))
    return cic_response(f) * h


def words_to_bits(words: np.ndarray) -> np.ndarray:
    """uint16 words -> +1/-1 per bit in time order (MSB first)."""
    w = np.asarray(words, np.uint16)
    bits = (w[:, None] >> np.arange(15, -1, -1, dtype=np.uint16)[None, :]) & 1
    return bits.reshape(-1).astype(np.int64) * 2 - 1


def decimate(words: np.ndarray, fir: np.ndarray, gain_log2: int = 0) -> np.ndarray:
    """The model of pdm_process over one whole stream from pdm_init: int16 samples, one per 4 words."""
    words = np.asarray(words, np.uint16)
    history = np.full(3, SILENCE_WORD, np.uint16)
    s = words_to_bits(np.concatenate([history, words]))
    k = cic_kernel()
    full = np.convolve(s, k)  # full[n] = sum_i k[i] s[n - i]
    cic = full[48 + 15 + 16 * np.arange(len(words))]  # the window ends at each new word's last bit
    y = np.convolve(cic, fir.astype(np.int64))[: len(cic)]  # zero history, as pdm_init leaves it
    y = y[FIR_DECIMATION - 1 :: FIR_DECIMATION]
    shift = 16 - gain_log2
    y = (y + (1 << (shift - 1))) >> shift
    return np.clip(y, -32768, 32767).astype(np.int16)


def group_delay_out_samples() -> float:
    """How far (in 16 kHz samples) output m lags the input sample it represents: the CIC centre 30 bits
    and the FIR centre (FIR_TAPS - 1) / 2 64 kHz samples before the window's last bit, in bits over 64."""
    # Output m is computed after 64 kHz sample q = 4m + 3, whose window ends at bit 16q + 15.
    end_bit_minus_16k = 16 * 3 + 15  # bit 64m + 63 ends the window
    centre = end_bit_minus_16k - (CIC_ORDER * (CIC_DECIMATION - 1)) / 2 - 16 * (FIR_TAPS - 1) / 2
    return -centre / (PDM_RATE / OUT_RATE)


def sigma_delta(x: np.ndarray) -> np.ndarray:
    """Second-order sigma-delta modulator (two delay-free integrators, one-bit quantizer) of a signal
    already at PDM_RATE with |x| <= 0.6, packed into uint16 words (MSB first); length a multiple of 16."""
    x = np.asarray(x, np.float64)
    bits = np.empty(len(x), np.uint8)
    i1 = i2 = 0.0
    y = -1.0
    for n, v in enumerate(x.tolist()):
        i1 += v - y
        i2 += i1 - y
        y = 1.0 if i2 >= 0.0 else -1.0
        bits[n] = y > 0
    return np.packbits(bits.reshape(-1, 16), axis=1, bitorder="big").view(">u2").reshape(-1).astype(np.uint16)


def upsample(x: np.ndarray, factor: int) -> np.ndarray:
    """Band-limited (periodic, FFT) upsampling of a 16 kHz clip by `factor`."""
    n = len(x)
    spec = np.fft.rfft(np.asarray(x, np.float64))
    out = np.zeros(n * factor // 2 + 1, np.complex128)
    out[: len(spec)] = spec
    if n % 2 == 0:
        out[len(spec) - 1] *= 0.5  # split the Nyquist bin between its two images
    return np.fft.irfft(out, n * factor) * factor


def delay(x: np.ndarray, samples: float) -> np.ndarray:
    """x delayed by a fractional number of samples (periodic, FFT)."""
    n = len(x)
    spec = np.fft.rfft(np.asarray(x, np.float64))
    f = np.fft.rfftfreq(n)
    return np.fft.irfft(spec * np.exp(-2j * np.pi * f * samples), n)


def dc_block(rdatar: np.ndarray, pole_q15: int, scale_log2: int) -> np.ndarray:
    """The model of pdm_dc_block over one stream from pdm_dc_init: DFSDM results (24 bits in 31:8) scaled by
    2^scale_log2, y = (x - x1) * 2^15 + (pole * y1 >> 15) clamped to int32, output y >> 15 saturated."""
    x = np.asarray(rdatar, np.int32).astype(np.int64) >> 8
    x = x * (1 << scale_log2) if scale_log2 >= 0 else x >> -scale_log2
    x = x.astype(np.int32).astype(np.int64)  # the C code keeps x in int32
    out = np.empty(len(x), np.int16)
    x1 = y1 = 0
    for i, xi in enumerate(x.tolist()):
        y = (xi - x1) * 32768 + ((pole_q15 * y1) >> 15)
        y = min(max(y, -(2**31)), 2**31 - 1)
        x1, y1 = xi, y
        out[i] = min(max(y >> 15, -32768), 32767)
    return out

"""The generalizing recipe's acoustic augmentation, inside the tf.data graph (seeded per element, stateless).

Enabled by a spec's `augment` section (`hark.spec.AugmentSpec`); specs without it keep TF speech_commands'
augmentation (`hark.train.pipeline.augment_clip`). Per training clip, in this order:

1. speed: resampled by a factor in `speed_range` (pitch, tempo and formants move together: a cheap VTLP);
2. gain: `gain_db` range;
3. microphone and room: with `eq_probability` a random band limit (high-pass 50-400 Hz, low-pass 3-8 kHz, second
   order) and spectral tilt; with `reverb_probability` a room impulse response from a bank simulated by
   pyroomacoustics (shoebox rooms, RT60 0.15-0.8 s); both applied in one FFT;
4. time shift, as TF's (`dataset.time_shift_ms`);
5. noise: with `noise_probability` a background slice (white, pink, brown, hum or babble) at an SNR uniform in
   `snr_db` (speech power over the whole clip); `_silence_` entries get the noise alone at a uniform volume;
   then, with `narrowband_probability`, a brick-wall low-pass at a cutoff in `narrowband_hz` over the whole mix
   (noise and warm-up too), as audio recorded at 8 kHz and played at 16 kHz has: nothing above the cutoff;
   with `dither_probability`, that share of `_silence_` entries is a converter's idle noise instead (violet noise
   of a few LSB at a level in `dither_dbfs`);
6. SpecAugment on the features: `time_masks` masks of up to `time_mask_frames` frames and `freq_masks` masks of
   up to `freq_mask_channels` channels, set to the clip's mean feature; with `freq_warp`, first a vocal tract length
   perturbation (VTLP, Jaitly and Hinton 2013) of the channels: formants move by a factor, pitch and tempo do not;
   with `time_stretch`, before that, a tempo change of the frames about the clip's energy centroid.

Stream-like windows (the device's sliding window over a microphone's stream, not a clip in digital silence):
- `edge_probability`: instead of the time shift, the clip's voiced span (10 ms frames within 40 dB of the loudest)
  moves to a uniform place that may run past either edge of the window by up to `edge_fraction` of its length;
- `floor_dbfs`: a noise bed (a background slice at a uniform RMS level in that range) under every clip;
- `silence_dbfs`: `_silence_` entries' noise at a uniform RMS level in that range (dBFS), so that quiet noise-only
  windows, like a stream's pauses, are silence too;
- warm-up (`dataset.warmup_ms`): the clip is preceded by that much of its noise (bed and background), which the
  frontend runs through and the features drop, so noise reduction has adapted as on a running device;
  `warmup_cut_probability`: the share of clips whose warm-up noise starts at a uniform point inside it (digital
  silence before), so that some windows come from a frontend that has adapted little or not at all.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import tensorflow as tf

from hark.spec import AugmentSpec

IR_SAMPLES = 4000  # 0.25 s of tail: the rooms' audible reverb; 16000 + 4000 = 2^5 x 5^4, a fast FFT length
_FFT = 20000


def ir_spectra(irs: np.ndarray) -> np.ndarray:
    """The impulse responses' spectra at the filter's FFT length (computed once, not per clip)."""
    return np.fft.rfft(irs, n=_FFT, axis=1).astype(np.complex64)


@functools.lru_cache(maxsize=4)
def impulse_responses(count: int, seed: int, sample_rate: int = 16000) -> np.ndarray:
    """`count` simulated room impulse responses [count, IR_SAMPLES], each scaled to a unit direct path."""
    import pyroomacoustics as pra

    rng = np.random.default_rng([seed, 21])
    out = np.zeros((count, IR_SAMPLES), np.float32)
    for k in range(count):
        dims = rng.uniform([3.0, 3.0, 2.4], [10.0, 8.0, 4.0])
        rt60 = float(rng.uniform(0.15, 0.8))
        try:
            absorption, max_order = pra.inverse_sabine(rt60, dims)
        except ValueError:
            # A large room cannot decay as fast as a short draw asks (its walls would have to absorb more than all the
            # energy; augmentation seed 2 draws one): it gets its shortest RT60 instead. Other draws stay as they were.
            # Sabine's absorption is inversely proportional to RT60, so the one a 1 s decay needs is that shortest
            # RT60 in seconds (every room drawn here decays in 1 s).
            shortest, _ = pra.inverse_sabine(1.0, dims)
            absorption, max_order = pra.inverse_sabine(1.001 * float(shortest), dims)
        room = pra.ShoeBox(dims, fs=sample_rate, materials=pra.Material(absorption), max_order=min(max_order, 15))
        room.add_source(rng.uniform([0.5] * 3, dims - 0.5))
        room.add_microphone(rng.uniform([0.5] * 3, dims - 0.5))
        room.compute_rir()
        ir = np.asarray(room.rir[0][0], np.float64)
        start = int(np.argmax(np.abs(ir)))
        ir = ir[start : start + IR_SAMPLES] / np.abs(ir[start])
        out[k, : len(ir)] = ir
    return out


def _draw(seed: Any, k: int, **kw: Any) -> Any:
    return tf.random.stateless_uniform([], seed=tf.stack([seed, tf.constant(k, tf.int64)]), **kw)


def _speed(audio: Any, factor: Any, n: int) -> Any:
    """Linear-interpolation resampling: output[i] = audio[i * factor], zero past the end."""
    pos = tf.range(n, dtype=tf.float32) * factor
    i0 = tf.cast(tf.floor(pos), tf.int32)
    frac = pos - tf.cast(i0, tf.float32)
    padded = tf.concat([audio, tf.zeros([2], tf.float32)], 0)
    i0c = tf.minimum(i0, n)
    out = tf.gather(padded, i0c) * (1.0 - frac) + tf.gather(padded, i0c + 1) * frac
    return tf.where(i0 < n, out, 0.0)


def _filter(audio: Any, seed: Any, aug: AugmentSpec, ir_spectra: Any, sample_rate: int, n: int) -> Any:
    """Random band limits and tilt and a room impulse response, in one FFT (skipped when neither is drawn)."""
    use_eq = _draw(seed, 20) < aug.eq_probability
    use_ir = _draw(seed, 24) < aug.reverb_probability

    def filtered() -> Any:
        spec = tf.signal.rfft(audio, fft_length=[_FFT])
        f = tf.maximum(tf.linspace(0.0, sample_rate / 2.0, _FFT // 2 + 1), 1.0)
        lo = _draw(seed, 21, minval=50.0, maxval=400.0)
        hi = _draw(seed, 22, minval=3000.0, maxval=min(8000.0, sample_rate / 2.0))
        tilt = _draw(seed, 23, minval=-3.0, maxval=3.0)  # dB per octave around 1 kHz
        eq = (1.0 / tf.sqrt(1.0 + (lo / f) ** 4)) * (1.0 / tf.sqrt(1.0 + (f / hi) ** 4))
        eq = eq * tf.pow(10.0, tilt * tf.math.log(f / 1000.0) / tf.math.log(2.0) / 20.0)
        gain = tf.where(use_eq, eq, tf.ones_like(eq))
        index = _draw(seed, 25, minval=0, maxval=int(ir_spectra.shape[0]), dtype=tf.int32)
        ir = tf.where(use_ir, ir_spectra[index], tf.ones_like(ir_spectra[0]))
        return tf.signal.irfft(spec * tf.cast(gain, tf.complex64) * ir, fft_length=[_FFT])[:n]

    return tf.cond(use_eq | use_ir, filtered, lambda: audio)


def _narrowband(audio: Any, seed: Any, aug: AugmentSpec, sample_rate: int) -> Any:
    """The whole mix low-passed at a cutoff in `narrowband_hz` (brick wall), for `narrowband_probability` of the
    clips. After the noise, because an 8 kHz recording's noise is band-limited too: a clean 8 kHz voice leaves the
    upper channels empty, which noise added after the cut would never do."""
    n = int(audio.shape[0])
    size = 1 << (n - 1).bit_length()

    def cut() -> Any:
        f = tf.linspace(0.0, sample_rate / 2.0, size // 2 + 1)
        cutoff = _draw(seed, 29, minval=aug.narrowband_hz[0], maxval=aug.narrowband_hz[-1])
        gain = tf.cast(tf.where(f > cutoff, 0.0, 1.0), tf.complex64)
        return tf.signal.irfft(tf.signal.rfft(audio, fft_length=[size]) * gain, fft_length=[size])[:n]

    return tf.cond(_draw(seed, 28) < aug.narrowband_probability, cut, lambda: audio)


def _dither(seed: Any, aug: AugmentSpec, n: int) -> Any:
    """Violet noise (the first difference of white noise: +6 dB per octave) at an RMS level uniform in
    `dither_dbfs`: an idle converter's few LSB, most of their power at the top of the band."""
    white = tf.random.stateless_normal([n + 1], seed=tf.stack([seed, tf.constant(31, tf.int64)]))
    violet = (white[1:] - white[:-1]) / np.sqrt(2.0)
    return violet * tf.pow(10.0, _draw(seed, 32, minval=aug.dither_dbfs[0], maxval=aug.dither_dbfs[-1]) / 20.0)


def tf_voiced_span(audio: Any, sample_rate: int, floor_db: float = 40.0) -> tuple[Any, Any]:
    """As hark.data.synth.voiced_span inside a graph: [start, end) samples of the 10 ms frames within `floor_db` of
    the loudest, plus 30 ms either side."""
    frame = sample_rate // 100
    n = int(audio.shape[0]) // frame
    energy = tf.reduce_mean(tf.square(tf.reshape(audio[: n * frame], [n, frame])), axis=1)
    loud = tf.where(energy >= tf.reduce_max(energy) * 10 ** (-floor_db / 10))[:, 0]
    first = tf.cast(tf.reduce_min(loud), tf.int32)
    last = tf.cast(tf.reduce_max(loud), tf.int32)
    return tf.maximum(0, first * frame - 3 * frame), tf.minimum(n * frame, (last + 1) * frame + 3 * frame)


def _shifted(audio: Any, shift: Any, n: int) -> Any:
    """Delayed by `shift` samples (advanced when negative), zero-filled, `n` samples."""
    padded = tf.pad(audio, [[tf.maximum(shift, 0), tf.maximum(-shift, 0)]])
    return padded[tf.maximum(-shift, 0) : tf.maximum(-shift, 0) + n]


def _edge_shift(audio: Any, seed: Any, aug: AugmentSpec, sample_rate: int, n: int) -> Any:
    """A shift that puts the voiced span at a uniform place, up to `edge_fraction` of it past either edge."""
    start, end = tf_voiced_span(audio, sample_rate)
    length = tf.cast(end - start, tf.float32)
    over = length * aug.edge_fraction
    place = _draw(seed, 14, minval=0.0, maxval=1.0) * (float(n) - length + 2.0 * over) - over
    return tf.cast(tf.round(place), tf.int32) - start


def _slice_of(background: Any, seed: Any, k: int, n: int) -> Any:
    index = _draw(seed, k, minval=0, maxval=background.count, dtype=tf.int32)
    offset = _draw(seed, k + 1, minval=0, maxval=tf.maximum(background.lengths[index] - n + 1, 1), dtype=tf.int32)
    return background.audio[background.starts[index] + offset : background.starts[index] + offset + n]


def augment_speech(
    audio: Any, is_silence: Any, seed: Any, aug: AugmentSpec, ir_spectra: Any, time_shift: int, background: Any,
    sample_rate: int, warmup: int = 0,
) -> Any:
    """One clip's recipe augmentation: float audio in [-1, 1] -> int16 audio (see the module doc), `warmup` samples
    of noise longer than the clip."""
    seed = tf.cast(seed, tf.int64)
    n = int(audio.shape[0])
    audio = audio * tf.where(is_silence, 0.0, 1.0)
    audio = _speed(audio, _draw(seed, 10, minval=aug.speed_range[0], maxval=aug.speed_range[1]), n)
    audio = audio * tf.pow(10.0, _draw(seed, 11, minval=aug.gain_db[0], maxval=aug.gain_db[1]) / 20.0)
    audio = _filter(audio, seed, aug, ir_spectra, sample_rate, n)
    shift = _draw(seed, 0, minval=-time_shift, maxval=time_shift, dtype=tf.int32) if time_shift > 0 else 0
    if aug.edge_probability > 0:
        edge = (_draw(seed, 15) < aug.edge_probability) & ~is_silence
        plain = tf.convert_to_tensor(shift, tf.int32)
        shift = tf.cond(edge, lambda: _edge_shift(audio, seed, aug, sample_rate, n), lambda: plain)
    audio = _shifted(audio, shift, n)
    speech_power = tf.reduce_mean(tf.square(audio)) + 1e-10
    total = n + warmup
    audio = tf.pad(audio, [[warmup, 0]]) if warmup else audio
    if background.count:
        noise = _slice_of(background, seed, 1, total)
        noise_power = tf.reduce_mean(tf.square(noise)) + 1e-10
        snr = _draw(seed, 12, minval=aug.snr_db[0], maxval=aug.snr_db[1])
        at_snr = tf.sqrt(speech_power / noise_power / tf.pow(10.0, snr / 10.0))
        on = _draw(seed, 3) < aug.noise_probability
        quiet = _draw(seed, 4)
        if aug.silence_dbfs:  # noise-only windows at the levels a stream's pauses have, not only loud ones
            level = tf.pow(10.0, _draw(seed, 19, minval=aug.silence_dbfs[0], maxval=aug.silence_dbfs[-1]) / 20.0)
            quiet = level / tf.sqrt(noise_power)
        volume = tf.where(is_silence, quiet, tf.where(on, at_snr, 0.0))
        onset = tf.ones([total], tf.float32)
        if warmup and aug.warmup_cut_probability > 0:  # the noise starts somewhere in the warm-up, not before it
            cut = _draw(seed, 26) < aug.warmup_cut_probability
            start = tf.where(cut, _draw(seed, 27, minval=0, maxval=warmup + 1, dtype=tf.int32), 0)
            onset = tf.cast(tf.range(total) >= start, tf.float32)
        audio = audio + noise * volume * onset
        if aug.floor_dbfs:
            bed = _slice_of(background, seed, 16, total)
            level = tf.pow(10.0, _draw(seed, 18, minval=aug.floor_dbfs[0], maxval=aug.floor_dbfs[-1]) / 20.0)
            audio = audio + bed * level / tf.sqrt(tf.reduce_mean(tf.square(bed)) + 1e-12) * onset
    if aug.narrowband_probability > 0:
        audio = _narrowband(audio, seed, aug, sample_rate)
    if aug.dither_probability > 0:
        audio = tf.where(is_silence & (_draw(seed, 30) < aug.dither_probability), _dither(seed, aug, total), audio)
    audio = tf.clip_by_value(audio, -1.0, 1.0)
    return tf.ensure_shape(tf.cast(tf.clip_by_value(audio * 32768.0, -32768.0, 32767.0), tf.int16), [total])


def _mel(hz: Any) -> Any:
    return 1127.0 * np.log1p(np.asarray(hz, np.float64) / 700.0)


def channel_centers(channels: int, lower_hz: float, upper_hz: float) -> np.ndarray:
    """The filterbank channels' centre frequencies (Hz): the microfrontend spaces channels + 1 band edges evenly
    in mel from `lower_hz` to `upper_hz`, and channel c peaks at edge c + 1."""
    mel = _mel(lower_hz) + (_mel(upper_hz) - _mel(lower_hz)) * np.arange(1, channels + 1) / (channels + 1)
    return 700.0 * np.expm1(mel / 1127.0)


def warp_positions(alpha: Any, centers: np.ndarray, lower_hz: float, upper_hz: float) -> Any:
    """For each channel, the fractional channel whose frequency a spectrum stretched by `alpha` moves there.

    VTLP's piecewise-linear warp: f -> alpha f up to a knee (0.8 of the top, scaled so the knee stays below it),
    then linear to the top, so the band edges stay put. Inverted here: output channel c reads the source spectrum at
    the frequency that lands on its centre."""
    knee = 0.8 * upper_hz * tf.minimum(alpha, 1.0) / alpha  # source frequency of the knee
    knee_out = knee * alpha
    f = tf.constant(centers, tf.float32)
    above = knee + (f - knee_out) * (upper_hz - knee) / (upper_hz - knee_out)
    src = tf.where(f <= knee_out, f / alpha, above)
    mel_lo, mel_hi = float(_mel(lower_hz)), float(_mel(upper_hz))
    src_mel = 1127.0 * tf.math.log1p(tf.maximum(src, 0.0) / 700.0)
    pos = (src_mel - mel_lo) / ((mel_hi - mel_lo) / (len(centers) + 1)) - 1.0
    return tf.clip_by_value(pos, 0.0, float(len(centers) - 1))


def freq_warp(features: Any, alpha: Any, centers: np.ndarray, lower_hz: float, upper_hz: float) -> Any:
    """[frames, channels] features with their channel axis resampled (linear interpolation) by `warp_positions`."""
    return _resample(features, warp_positions(alpha, centers, lower_hz, upper_hz), axis=1)


def _resample(features: Any, pos: Any, axis: int) -> Any:
    """`features` read at the fractional indices `pos` (within the axis) along `axis`, linearly interpolated."""
    i0 = tf.cast(tf.floor(pos), tf.int32)
    i1 = tf.minimum(i0 + 1, int(features.shape[axis]) - 1)
    frac = pos - tf.cast(i0, tf.float32)
    if axis == 0:
        frac = frac[:, None]
    return tf.gather(features, i0, axis=axis) * (1.0 - frac) + tf.gather(features, i1, axis=axis) * frac


def stretch_positions(features: Any, factor: Any) -> Any:
    """For each output frame, the fractional source frame that a tempo change by `factor` (> 1: slower, longer)
    reads, about the energy centroid so the word stays where it was; clipped to the clip, so its edges are held.

    The centroid weighs each frame by its energy above the quietest frame's: the noise floor does not pull it."""
    frames = int(features.shape[0])
    energy = tf.reduce_sum(features, axis=1)
    weight = energy - tf.reduce_min(energy)
    t = tf.range(frames, dtype=tf.float32)
    total = tf.reduce_sum(weight)
    centroid = tf.where(total > 0, tf.reduce_sum(t * weight) / tf.maximum(total, 1e-12), (frames - 1) / 2.0)
    return tf.clip_by_value(centroid + (t - centroid) / factor, 0.0, float(frames - 1))


def time_stretch(features: Any, factor: Any) -> Any:
    """[frames, channels] features with their frame axis resampled (linear interpolation) by `stretch_positions`:
    the features of the clip spoken `factor` times as long (stationary parts; the frontend's adaptation is not
    redone)."""
    return _resample(features, stretch_positions(features, factor), axis=0)


def spec_augment(features: Any, seed: Any, aug: AugmentSpec, bands: tuple[float, float] = (125.0, 7500.0)) -> Any:
    """Time and frequency masks set to the clip's mean feature; first, with `aug.time_stretch`, a tempo change,
    and with `aug.freq_warp`, a VTLP of the channels (`bands`: the filterbank's lower and upper limits, Hz)."""
    seed = tf.cast(seed, tf.int64)
    frames, channels = int(features.shape[0]), int(features.shape[1])
    if aug.time_stretch:
        lo, hi = float(np.log(aug.time_stretch[0])), float(np.log(aug.time_stretch[-1]))
        factor = tf.exp(_draw(seed, 80, minval=lo, maxval=hi))
        factor = tf.where(_draw(seed, 81) < aug.time_stretch_probability, factor, 1.0)
        features = time_stretch(features, factor)
    if aug.freq_warp:
        alpha = _draw(seed, 70, minval=aug.freq_warp[0], maxval=aug.freq_warp[-1])
        features = freq_warp(features, alpha, channel_centers(channels, *bands), *bands)
    mean = tf.reduce_mean(features)
    keep = tf.ones([frames, channels], tf.bool)
    t_idx = tf.range(frames)[:, None]
    c_idx = tf.range(channels)[None, :]
    for k in range(aug.time_masks):
        width = _draw(seed, 30 + k, minval=0, maxval=aug.time_mask_frames + 1, dtype=tf.int32)
        start = _draw(seed, 40 + k, minval=0, maxval=frames, dtype=tf.int32)
        keep = keep & ~((t_idx >= start) & (t_idx < start + width))
    for k in range(aug.freq_masks):
        width = _draw(seed, 50 + k, minval=0, maxval=aug.freq_mask_channels + 1, dtype=tf.int32)
        start = _draw(seed, 60 + k, minval=0, maxval=channels, dtype=tf.int32)
        keep = keep & ~((c_idx >= start) & (c_idx < start + width))
    return tf.where(keep, features, mean)


"""Median fundamental frequency of a speech clip (YIN, numpy only).

YIN (de Cheveigné & Kawahara, 2002) is used because its cumulative-mean-normalised difference
function gives both a period estimate and a voicing measure per frame, and the "first dip below a
threshold" rule avoids the octave-too-low errors plain autocorrelation makes on harmonic-rich speech.
"""

from __future__ import annotations

import numpy as np

F0_MIN = 60.0
F0_MAX = 600.0

_ANALYSIS_RATE = 16_000  # plenty for 60-600 Hz, and keeps long 48 kHz clips cheap
_WINDOW_S = 0.025  # integration window W; each frame also holds one longest period after it
_HOP_S = 0.010
_THRESHOLD = 0.15  # dip of the normalised difference below which a frame counts as periodic
_SILENCE_DB = -45.0  # frames quieter than this relative to the loudest frame are skipped
_MIN_VOICED_FRAMES = 5  # fewer than ~50 ms of voicing is too little to call a pitch
_BLOCK_FRAMES = 256  # frames analysed at once, bounding memory for long clips


def median_f0(samples: np.ndarray, sample_rate: int) -> float | None:
    """Median F0 in Hz over the voiced frames of a mono clip, or None if no frame is voiced.

    Only pitches between 60 and 600 Hz are reported; silence, noise and clicks give None.
    """
    x, rate = _downsample(np.asarray(samples, dtype=np.float64).ravel(), sample_rate)
    window = round(_WINDOW_S * rate)
    lag_min = max(2, int(np.ceil(rate / F0_MAX)))
    lag_max = int(np.ceil(rate / F0_MIN))
    length = window + lag_max + 1
    if len(x) < length:
        return None
    starts = np.arange(0, len(x) - length + 1, round(_HOP_S * rate))
    squares = np.concatenate([[0.0], np.cumsum(x**2)])
    energy = squares[starts + window] - squares[starts]
    if energy.max() <= 0.0:
        return None
    starts = starts[energy > energy.max() * 10 ** (_SILENCE_DB / 10)]
    periods = np.concatenate(
        [
            _periods(_normalised_difference(_frames(x, block, length), window, lag_max), lag_min, lag_max)
            for block in np.array_split(starts, -(-len(starts) // _BLOCK_FRAMES))
        ]
    )
    periods = periods[~np.isnan(periods)]
    if len(periods) < _MIN_VOICED_FRAMES:
        return None
    return float(np.median(rate / periods))


def _downsample(x: np.ndarray, rate: int) -> tuple[np.ndarray, int]:
    """Band-limited resampling to the analysis rate by FFT truncation, if `rate` is above it."""
    if rate <= _ANALYSIS_RATE or len(x) == 0:
        return x, rate
    n_out = round(len(x) * _ANALYSIS_RATE / rate)
    spectrum = np.fft.rfft(x)[: n_out // 2 + 1]
    return np.fft.irfft(spectrum, n_out) * (n_out / len(x)), _ANALYSIS_RATE


def _frames(x: np.ndarray, starts: np.ndarray, length: int) -> np.ndarray:
    """The frames beginning at `starts`, each with its mean (DC offset) removed."""
    frames = x[starts[:, None] + np.arange(length)]
    return frames - frames.mean(axis=1, keepdims=True)


def _normalised_difference(frames: np.ndarray, window: int, lag_max: int) -> np.ndarray:
    """YIN's d'(tau) for tau = 0..lag_max, one row per frame, computed with FFT cross-correlation."""
    n_fft = 1 << int(np.ceil(np.log2(frames.shape[1] + window)))
    head = np.fft.rfft(frames[:, :window], n_fft)
    full = np.fft.rfft(frames, n_fft)
    cross = np.fft.irfft(np.conj(head) * full, n_fft)[:, : lag_max + 1]
    # Energy of x[tau : tau + window] for every tau, from a running sum of squares.
    squares = np.concatenate([np.zeros((len(frames), 1)), np.cumsum(frames**2, axis=1)], axis=1)
    shifted = squares[:, window : window + lag_max + 1] - squares[:, : lag_max + 1]
    diff = np.maximum(shifted[:, :1] + shifted - 2.0 * cross, 0.0)
    cumulative = np.cumsum(diff[:, 1:], axis=1)
    lags = np.arange(1, lag_max + 1)
    cmnd = np.ones_like(diff)
    with np.errstate(divide="ignore", invalid="ignore"):
        cmnd[:, 1:] = np.where(cumulative > 0, diff[:, 1:] * lags / cumulative, 1.0)
    return cmnd


def _periods(cmnd: np.ndarray, lag_min: int, lag_max: int) -> np.ndarray:
    """Per frame, the refined period (in samples) of the first dip below the threshold, or NaN.

    A dip whose bottom lies outside lag_min..lag_max (a pitch outside 60-600 Hz) counts as unvoiced.
    """
    lags = np.arange(cmnd.shape[1])
    below = (cmnd < _THRESHOLD) & (lags >= lag_min) & (lags < lag_max)
    first = np.argmax(below, axis=1)
    # From the first lag below the threshold, walk down to the bottom of that dip.
    rising = np.zeros_like(below)
    rising[:, :-1] = cmnd[:, 1:] >= cmnd[:, :-1]
    rising &= (lags >= first[:, None]) & (lags < lag_max)
    bottom = np.argmax(rising, axis=1)
    rows = np.arange(len(cmnd))
    left, centre, right = (cmnd[rows, bottom + k] for k in (-1, 0, 1))
    voiced = below.any(axis=1) & rising.any(axis=1) & (left >= centre)
    curvature = left - 2.0 * centre + right
    with np.errstate(divide="ignore", invalid="ignore"):
        offset = np.where(curvature > 0, 0.5 * (left - right) / curvature, 0.0)
    return np.where(voiced, bottom + offset, np.nan)

"""Band-limited resampling in numpy (no torchaudio build exists for our torch; scipy is not a dependency).

A rational-ratio polyphase filter: the signal is conceptually upsampled by `up`, low-pass filtered with a
Kaiser-windowed sinc, and decimated by `down`; only the taps that meet non-zero input samples are computed.
"""

from __future__ import annotations

from functools import lru_cache
from math import gcd

import numpy as np

_ZERO_CROSSINGS = 16  # filter half-length, in zero crossings of the narrower band
_KAISER_BETA = 8.6  # about 80 dB stop-band attenuation
_ROLLOFF = 0.945  # cutoff as a fraction of the lower Nyquist, leaving room for the transition band
_BLOCK = 16384  # outputs computed at once, bounding memory to a few MB


@lru_cache(maxsize=32)
def _polyphase_filter(up: int, down: int) -> np.ndarray:
    """Filter taps arranged as (up phases, taps per phase), scaled for unity gain after upsampling."""
    cutoff = _ROLLOFF / max(up, down)  # in cycles per upsampled sample, times 2 (1.0 = Nyquist)
    half = _ZERO_CROSSINGS * max(up, down)
    n = np.arange(-half, half + 1)
    taps = cutoff * np.sinc(cutoff * n) * np.kaiser(len(n), _KAISER_BETA) * up
    per_phase = -(-len(taps) // up)
    padded = np.zeros(per_phase * up)
    padded[: len(taps)] = taps
    # phase p holds taps p, p + up, p + 2·up, …: those that align with input samples for that phase
    return padded.reshape(per_phase, up).T.copy()


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """`samples` (1-D) at `to_rate` as float32; the output has round(len · to_rate / from_rate) samples."""
    if from_rate == to_rate or len(samples) == 0:
        return samples.astype(np.float32, copy=True)
    divisor = gcd(from_rate, to_rate)
    up, down = to_rate // divisor, from_rate // divisor
    bank = _polyphase_filter(up, down)
    per_phase = bank.shape[1]
    centre = _ZERO_CROSSINGS * max(up, down)  # the filter's middle tap, so the output is not delayed
    count = round(len(samples) * up / down)
    # output n sits at upsampled position n·down + centre; input i − j meets tap (position mod up) + j·up
    signal = np.concatenate([np.zeros(per_phase), samples.astype(np.float64), np.zeros(per_phase + 1)])
    out = np.empty(count, dtype=np.float32)
    for start in range(0, count, _BLOCK):
        positions = np.arange(start, min(start + _BLOCK, count), dtype=np.int64) * down + centre
        window = (positions // up + per_phase)[:, None] - np.arange(per_phase)[None, :]
        out[start : start + len(positions)] = np.einsum("ij,ij->i", signal[window], bank[positions % up])
    return out

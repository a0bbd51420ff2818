"""Band-limited resampling.

`resample` is our own numpy polyphase filter for output audio (no torchaudio build exists for our torch;
scipy is not a dependency): a rational-ratio filter where the signal is conceptually upsampled by `up`,
low-pass filtered with a Kaiser-windowed sinc, and decimated by `down`; only the taps that meet non-zero
input samples are computed.

`resample_soxr_hq` and `resample_sinc_hann` reproduce, for numeric parity with GPT-SoVITS reference clips,
librosa's soxr resampling and torchaudio's default `Resample`; they need the optional soxr / torch packages.
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


# --- the two resamplers of the GPT-SoVITS reference pipeline, reproduced for numeric parity ---------------


def resample_soxr_hq(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """`librosa.load(path, sr=to_rate)`'s resampling (res_type soxr_hq) of mono float32 `samples`.

    librosa calls soxr at "HQ" quality and then pads (or cuts) the result to exactly
    ceil(len · to_rate / from_rate) samples; GPT-SoVITS feeds this to HuBERT.
    """
    samples = np.asarray(samples, dtype=np.float32)
    if from_rate == to_rate:
        return samples.copy()
    import soxr  # optional dependency (the gsv extra)

    out = soxr.resample(samples, from_rate, to_rate, quality="HQ").astype(np.float32, copy=False)
    count = -(-len(samples) * to_rate // from_rate)
    if len(out) >= count:
        return out[:count].copy()
    return np.concatenate([out, np.zeros(count - len(out), dtype=np.float32)])


_SINC_MAX_TAPS = 1 << 26  # kernel entries (256 MB of float32): beyond this the rate ratio is unreasonable


@lru_cache(maxsize=16)
def _hann_sinc_kernel(up: int, down: int, zero_crossings: int, rolloff: float) -> tuple[np.ndarray, int]:
    """Filters for torchaudio's default `Resample` (sinc_interp_hann) with reduced rates `down` → `up`.

    Output phase j (of `up`) at input offset i is sinc(π·c·(i/down − j/up)) · cos²(π/2 · (that)/zeros) ·
    c/down, with the cutoff c = rolloff · min(rates) and the argument clamped to ±zero_crossings; the taps
    span i = −width … width + down − 1. Returns (float32 [up, 2·width + down], width).
    """
    cutoff = min(down, up) * rolloff
    width = int(np.ceil(zero_crossings * down / cutoff))
    if up * (2 * width + down) > _SINC_MAX_TAPS:
        raise ValueError(f"resampling {down} → {up} (reduced rates) needs too large a filter")
    offsets = np.arange(-width, width + down, dtype=np.float64) / down
    # torchaudio computes j/up in float32 before adding the float64 offsets; doing the same keeps parity
    phases = (np.arange(0, -up, -1) / up).astype(np.float32).astype(np.float64)
    t = np.clip((phases[:, None] + offsets[None, :]) * cutoff, -zero_crossings, zero_crossings)
    window = np.cos(t * np.pi / zero_crossings / 2) ** 2
    t *= np.pi
    with np.errstate(divide="ignore", invalid="ignore"):
        sinc = np.where(t == 0, 1.0, np.sin(t) / t)
    kernel = (sinc * window * (cutoff / down)).astype(np.float32)
    kernel.flags.writeable = False
    return kernel, width


def resample_sinc_hann(
    samples: np.ndarray, from_rate: int, to_rate: int, zero_crossings: int = 6, rolloff: float = 0.99
) -> np.ndarray:
    """torchaudio.transforms.Resample(from_rate, to_rate) with its defaults, on [..., N] float32 arrays.

    GPT-SoVITS uses it for the reference spectrogram (→ model rate) and the speaker-model input (→ 16 kHz).
    The signal is zero-padded by `width` before and `width + down` after, and output phase j of block k
    is the dot product of filter j with the input window starting at k·down (a strided convolution with
    `up` output channels); the result is cut to ceil(N · up / down) samples.
    """
    samples = np.asarray(samples, dtype=np.float32)
    if from_rate == to_rate:
        return samples.copy()
    divisor = gcd(from_rate, to_rate)
    up, down = to_rate // divisor, from_rate // divisor
    kernel, width = _hann_sinc_kernel(up, down, zero_crossings, rolloff)
    import torch  # optional dependency (gsv extra); its float32 conv1d reproduces the reference bit for bit

    lead = samples.shape[:-1]
    flat = torch.from_numpy(np.ascontiguousarray(samples.reshape(-1, samples.shape[-1])))
    length = flat.shape[-1]
    padded = torch.nn.functional.pad(flat, (width, width + down))
    filters = torch.from_numpy(kernel.copy())[:, None]
    out = torch.nn.functional.conv1d(padded[:, None], filters, stride=down)  # [batch, up, blocks]
    count = -(-length * up // down)
    out = out.transpose(1, 2).reshape(flat.shape[0], -1)[:, :count]
    return out.numpy().reshape(*lead, count)

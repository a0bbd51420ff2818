"""Kaldi-compatible log-mel filterbank features (what `torchaudio.compliance.kaldi.fbank` computes).

Only the settings speaker models use are supported: 25 ms povey windows every 10 ms with edges snipped,
DC offset removed, pre-emphasis 0.97, power spectrum on a power-of-two FFT, triangular mel bins on Kaldi's
mel scale (1127 ln(1 + f/700)) from 20 Hz to Nyquist, natural log floored at float32 epsilon, no dither.
"""

from __future__ import annotations

import math
from functools import lru_cache

import torch
import torch.nn.functional as F  # noqa: N812
from torch import Tensor

PREEMPHASIS = 0.97
LOW_FREQ = 20.0


def _mel(freq: Tensor) -> Tensor:
    return 1127.0 * torch.log(1.0 + freq / 700.0)


@lru_cache(maxsize=8)
def _mel_banks(num_bins: int, fft_size: int, sample_rate: int) -> Tensor:
    """[num_bins, fft_size // 2 + 1] triangular weights; the Nyquist column is zero, as in Kaldi."""
    nyquist = 0.5 * sample_rate
    # the edges in double precision (Python floats), the per-bin grid in float32, as Kaldi's port does
    low, high = 1127.0 * math.log(1.0 + LOW_FREQ / 700.0), 1127.0 * math.log(1.0 + nyquist / 700.0)
    delta = (high - low) / (num_bins + 1)
    index = torch.arange(num_bins)[:, None]
    left, center, right = low + index * delta, low + (index + 1) * delta, low + (index + 2) * delta
    mel = _mel(sample_rate / fft_size * torch.arange(fft_size // 2, dtype=torch.float32))[None]
    up, down = (mel - left) / (center - left), (right - mel) / (right - center)
    banks = torch.clamp(torch.minimum(up, down), min=0.0)
    return F.pad(banks, (0, 1))


@lru_cache(maxsize=8)
def _povey_window(length: int) -> Tensor:
    return torch.hann_window(length, periodic=False, dtype=torch.float32).pow(0.85)


def kaldi_fbank(
    wave: Tensor,
    *,
    num_mel_bins: int = 80,
    sample_rate: int = 16000,
    frame_ms: float = 25.0,
    shift_ms: float = 10.0,
) -> Tensor:
    """[1, N] float waveform (any scale) → [frames, num_mel_bins] log mel energies."""
    samples = wave.reshape(-1).float()
    size, shift = int(sample_rate * frame_ms / 1000), int(sample_rate * shift_ms / 1000)
    if samples.numel() < size:
        return torch.zeros(0, num_mel_bins)
    frames = samples.unfold(0, size, shift)  # snip_edges: only whole windows
    frames = frames - frames.mean(dim=1, keepdim=True)
    previous = torch.cat([frames[:, :1], frames[:, :-1]], dim=1)
    frames = (frames - PREEMPHASIS * previous) * _povey_window(size)
    fft_size = 2 ** math.ceil(math.log2(size))
    power = torch.fft.rfft(F.pad(frames, (0, fft_size - size))).abs().pow(2)
    energies = power @ _mel_banks(num_mel_bins, fft_size, sample_rate).t()
    return torch.clamp(energies, min=torch.finfo(torch.float32).eps).log()

"""Linear and mel spectrograms as GPT-SoVITS computes them for reference clips (needs torch).

Both pad the signal by (n_fft − hop) / 2 on each side with reflection and run the STFT without centring,
so frame k covers samples [k·hop − pad, k·hop − pad + n_fft). Magnitudes carry a 1e-8 floor under the
square root, which keeps silent frames finite and is part of the numbers the models were trained on.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch
from torch import Tensor

_MAGNITUDE_FLOOR = 1e-8  # added to re² + im² before the square root
_LOG_FLOOR = 1e-5  # mel energies are clamped to this before the log


def linear_spectrogram(audio: Tensor, n_fft: int, hop: int, win: int) -> Tensor:
    """[B, N] float audio → [B, n_fft // 2 + 1, frames] STFT magnitudes (periodic Hann window)."""
    pad = (n_fft - hop) // 2
    padded = torch.nn.functional.pad(audio.unsqueeze(1), (pad, pad), mode="reflect").squeeze(1)
    window = torch.hann_window(win, dtype=audio.dtype, device=audio.device)
    spec = torch.stft(
        padded,
        n_fft,
        hop_length=hop,
        win_length=win,
        window=window,
        center=False,
        normalized=False,
        onesided=True,
        return_complex=True,
    )
    return torch.sqrt(torch.view_as_real(spec).pow(2).sum(-1) + _MAGNITUDE_FLOOR)


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale: linear below 1 kHz (3 mels per 200 Hz), logarithmic above."""
    hz = np.asarray(hz, dtype=np.float64)
    mel = hz / (200.0 / 3)
    log_region = hz >= 1000.0
    mel[log_region] = 15.0 + np.log(hz[log_region] / 1000.0) / (np.log(6.4) / 27.0)
    return mel


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    mel = np.asarray(mel, dtype=np.float64)
    hz = mel * (200.0 / 3)
    log_region = mel >= 15.0
    hz[log_region] = 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel[log_region] - 15.0))
    return hz


@lru_cache(maxsize=8)
def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int, fmin: float, fmax: float | None) -> np.ndarray:
    """[n_mels, n_fft // 2 + 1] float32 triangular filters, Slaney scale and area normalisation.

    These are the defaults of `librosa.filters.mel` (htk=False, norm="slaney") that GPT-SoVITS uses:
    filter i rises from mel point i to i + 1 and falls to i + 2, with n_mels + 2 points spread evenly in
    mel between fmin and fmax, and is scaled by 2 / (its width in Hz) so every filter has the same area.
    """
    top = sample_rate / 2 if fmax is None else fmax
    bins = np.fft.rfftfreq(n_fft, d=1.0 / sample_rate)
    low, high = _hz_to_mel(np.array([fmin, top]))
    points = _mel_to_hz(np.linspace(low, high, n_mels + 2))
    widths = np.diff(points)
    distance = points[:, None] - bins[None, :]  # how far each mel point lies above each FFT bin
    rising = -distance[:-2] / widths[:-1, None]
    falling = distance[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(rising, falling))
    weights *= (2.0 / (points[2:] - points[:-2]))[:, None]
    return weights.astype(np.float32)


def mel_spectrogram(
    audio: Tensor,
    n_fft: int,
    n_mels: int,
    sample_rate: int,
    hop: int,
    win: int,
    fmin: float = 0.0,
    fmax: float | None = None,
) -> Tensor:
    """[B, N] audio → [B, n_mels, frames] natural-log mel energies of the linear spectrogram (floor 1e-5)."""
    spec = linear_spectrogram(audio, n_fft, hop, win)
    basis = torch.from_numpy(mel_filterbank(sample_rate, n_fft, n_mels, fmin, fmax))
    mel = torch.matmul(basis.to(dtype=spec.dtype, device=spec.device), spec)
    return torch.log(torch.clamp(mel, min=_LOG_FLOOR))

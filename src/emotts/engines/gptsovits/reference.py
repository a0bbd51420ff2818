"""A reference clip's features for one model set, as the reference implementation's `set_ref_audio` has them.

Two resamplings of the same file feed different models, and both are reproduced exactly:

* 16 kHz with soxr (librosa's default) → HuBERT → SoVITS `extract_latent` → the prompt's semantic tokens.
  The clip must last 3–10 s at this stage.
* the SoVITS rate with a Hann-windowed sinc (torchaudio's default) → peak-limited → linear spectrogram
  (the style encoder's input); v2Pro/v2ProPlus also resample that audio to 16 kHz for the speaker model,
  and v4 takes a normalised log-mel spectrogram of the (not peak-limited) audio as the CFM prompt.

Results are cached per file version (path, mtime, size), so a clip edited on disk is processed anew.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import torch
from torch import Tensor

from emotts.audio.resample import resample_sinc_hann, resample_soxr_hq
from emotts.audio.spectrogram import linear_spectrogram, mel_spectrogram
from emotts.audio.wavio import audio_info, read_audio
from emotts.engines.gptsovits.checkpoints import SovitsHParams
from emotts.errors import AudioFileError
from emotts.lru import LruCache

HUBERT_RATE = 16000
SV_RATE = 16000
MIN_SAMPLES_16K = 48000  # 3 s
MAX_SAMPLES_16K = 160000  # 10 s
HUBERT_PAD_SECONDS = 0.3  # of the SoVITS rate, i.e. 0.6 s of 16 kHz audio for 32 kHz models
MAX_PEAK_DIVISOR = 2.0  # louder clips are divided by at most 2 (the rest is left to clip)


@dataclass(frozen=True)
class MelParams:
    """Log-mel settings of a CFM prompt; not stored in any checkpoint."""

    sample_rate: int
    n_fft: int
    hop: int
    win: int
    n_mels: int
    fmin: float = 0.0
    fmax: float | None = None
    log_min: float = -12.0  # the log-mel range mapped onto [-1, 1]
    log_max: float = 2.0


V4_MEL = MelParams(sample_rate=32000, n_fft=1280, hop=320, win=1280, n_mels=100)

_FileKey = tuple[str, int, int]  # resolved path, mtime in ns, size in bytes
_Resampler = Callable[[np.ndarray, int, int], np.ndarray]


class ReferenceLengthError(AudioFileError):
    """The clip is shorter than 3 s or longer than 10 s; the message names the file and its length."""

    def __init__(self, path: Path | str, duration: float) -> None:
        self.duration = duration
        super().__init__(
            path,
            f"the reference clip lasts {duration:.2f} s; it must be between "
            f"{MIN_SAMPLES_16K / HUBERT_RATE:.0f} and {MAX_SAMPLES_16K / HUBERT_RATE:.0f} seconds",
        )


class LatentExtractor(Protocol):
    """What the processor needs of a SoVITS model (emotts.engines.gptsovits.sovits.SoVITS)."""

    hp: SovitsHParams
    version: str
    sampling_rate: int

    def extract_latent(self, ssl: Tensor) -> Tensor: ...  # [B, D, T] → codes [n_q, B, T // 2]

    def parameters(self) -> Iterator[torch.nn.Parameter]: ...


class SpeakerEmbedder(Protocol):
    def embed(self, wav16k: Tensor) -> Tensor: ...  # [1, N] 16 kHz → [1, dim]


class HubertLike(Protocol):
    def features(self, wav16k: Tensor, pad_samples: int = 0) -> Tensor: ...  # [1, N] → [1, D, frames]


@dataclass(frozen=True)
class ReferenceFeatures:
    """What one clip contributes to synthesis; tensors live on the SoVITS model's device."""

    prompt_semantic: Tensor = field(repr=False)  # int64 [T] semantic tokens at 25 Hz
    refer_spec: Tensor = field(repr=False)  # [1, filter_length // 2 + 1, frames] style-encoder input
    duration: float  # seconds
    audio16k_for_sv: Tensor | None = field(default=None, repr=False)  # [1, N] speaker-model input (v2Pro)
    sv_emb: Tensor | None = field(default=None, repr=False)  # [1, dim] speaker embedding (v2Pro)
    ref_mel_norm: Tensor | None = field(default=None, repr=False)  # [1, n_mels, frames] in [-1, 1] (v4)


def peak_limited(audio: np.ndarray) -> np.ndarray:
    """Audio whose peak exceeds 1 divided by min(2, peak), as the reference does before its spectrogram."""
    peak = float(np.abs(audio).max()) if audio.size else 0.0
    if peak > 1.0:
        return audio / np.float32(min(MAX_PEAK_DIVISOR, peak))
    return audio


def file_key(path: Path | str) -> _FileKey:
    """Identifies one version of a file; AudioFileError if it cannot be found."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError as exc:
        reason = "file not found" if isinstance(exc, FileNotFoundError) else exc.strerror or str(exc)
        raise AudioFileError(path, reason) from None
    if not path.is_file():
        raise AudioFileError(path, "not a file")
    return (str(path.resolve()), stat.st_mtime_ns, stat.st_size)


class ReferenceProcessor:
    """Turns clip paths into ReferenceFeatures for one SoVITS model (+ HuBERT, + speaker model for v2Pro).

    Thread-safe: concurrent requests for the same clip version wait for a single computation, and at most
    `cache_size` clips are kept.
    """

    def __init__(
        self,
        sovits: LatentExtractor,
        hubert: HubertLike,
        speaker: SpeakerEmbedder | None = None,
        cache_size: int = 32,
    ) -> None:
        self.sovits = sovits
        self.hubert = hubert
        self.speaker = speaker
        self._models = (id(sovits), id(hubert), id(speaker))  # stable: this object keeps them alive
        self._cache: LruCache[tuple[_FileKey, tuple[int, int, int]], ReferenceFeatures] = LruCache(cache_size)

    @staticmethod
    def file_key(path: Path | str) -> _FileKey:
        return file_key(path)

    def features(self, path: Path | str) -> ReferenceFeatures:
        path = Path(path)
        return self._cache.get((file_key(path), self._models), lambda: self.compute(path))

    @torch.no_grad()  # not inference_mode: the cached tensors are used later outside of it
    def compute(self, path: Path) -> ReferenceFeatures:
        """The features of `path`, without the cache."""
        info = audio_info(path)
        if info.duration > 2 * MAX_SAMPLES_16K / HUBERT_RATE:  # far too long: do not decode it all
            raise ReferenceLengthError(path, info.duration)
        samples, rate = read_audio(path)
        wav16k = self._resample(path, resample_soxr_hq, samples, rate, HUBERT_RATE)
        if not MIN_SAMPLES_16K <= len(wav16k) <= MAX_SAMPLES_16K:
            raise ReferenceLengthError(path, len(wav16k) / HUBERT_RATE)
        device = self._device()
        prompt_semantic = self._prompt_semantic(wav16k)

        hp = self.sovits.hp
        model_rate = self.sovits.sampling_rate
        audio = self._resample(path, resample_sinc_hann, samples, rate, model_rate)
        limited = peak_limited(audio)
        spec = linear_spectrogram(
            torch.from_numpy(limited)[None], hp.filter_length, hp.hop_length, hp.win_length
        )
        audio16k = sv_emb = ref_mel = None
        if self.speaker is not None:
            audio16k = torch.from_numpy(resample_sinc_hann(limited, model_rate, SV_RATE))[None].to(device)
            sv_emb = self.speaker.embed(audio16k)
        if self.sovits.version == "v4":
            ref_mel = self._normalised_mel(path, samples, rate, V4_MEL).to(device)
        return ReferenceFeatures(
            prompt_semantic=prompt_semantic,
            refer_spec=spec.to(device),
            duration=len(samples) / rate,
            audio16k_for_sv=audio16k,
            sv_emb=sv_emb,
            ref_mel_norm=ref_mel,
        )

    def _device(self) -> torch.device:
        return next(self.sovits.parameters()).device

    def _prompt_semantic(self, wav16k: np.ndarray) -> Tensor:
        pad = int(self.sovits.sampling_rate * HUBERT_PAD_SECONDS)
        ssl = self.hubert.features(torch.from_numpy(wav16k)[None], pad)
        codes = self.sovits.extract_latent(ssl.to(self._device()))
        return codes[0, 0].long()

    def _normalised_mel(self, path: Path, samples: np.ndarray, rate: int, mel: MelParams) -> Tensor:
        """The CFM prompt mel: the raw (not peak-limited) audio at the mel rate, log-mel mapped to [-1, 1]."""
        audio = self._resample(path, resample_sinc_hann, samples, rate, mel.sample_rate)
        wave, sr = torch.from_numpy(audio)[None], mel.sample_rate
        log_mel = mel_spectrogram(wave, mel.n_fft, mel.n_mels, sr, mel.hop, mel.win, mel.fmin, mel.fmax)
        return (log_mel - mel.log_min) / (mel.log_max - mel.log_min) * 2 - 1

    @staticmethod
    def _resample(path: Path, method: _Resampler, samples: np.ndarray, rate: int, to_rate: int) -> np.ndarray:
        try:
            return method(samples, rate, to_rate)
        except ValueError as exc:
            raise AudioFileError(path, f"cannot resample {rate} Hz audio to {to_rate} Hz ({exc})") from exc

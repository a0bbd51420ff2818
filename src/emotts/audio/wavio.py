"""Reading audio files into mono float32, with errors that name the file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from emotts.errors import AudioFileError


@dataclass(frozen=True)
class AudioInfo:
    path: Path
    sample_rate: int
    channels: int
    frames: int
    format: str

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate if self.sample_rate else 0.0


def audio_info(path: Path) -> AudioInfo:
    """Header facts of an audio file, without decoding it."""
    if not path.is_file():
        raise AudioFileError(path, "file not found")
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise AudioFileError(path, f"not a readable audio file ({exc})") from exc
    return AudioInfo(path, int(info.samplerate), int(info.channels), int(info.frames), str(info.format))


def read_audio(path: Path) -> tuple[np.ndarray, int]:
    """Decode a file to mono float32 in [-1, 1] (channels are averaged, so stereo clips work)."""
    if not path.is_file():
        raise AudioFileError(path, "file not found")
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise AudioFileError(path, f"not a readable audio file ({exc})") from exc
    return data.mean(axis=1), int(rate)


def float_to_int16(samples: np.ndarray) -> np.ndarray:
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype(np.int16)

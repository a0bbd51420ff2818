"""Turning int16 samples into the bytes of a response body."""

from __future__ import annotations

import io
from typing import Literal

import numpy as np
import soundfile as sf

MediaType = Literal["wav", "raw"]
CONTENT_TYPES: dict[str, str] = {"wav": "audio/wav", "raw": "audio/raw"}


def encode(samples: np.ndarray, sample_rate: int, media_type: MediaType) -> bytes:
    """A complete file: WAV (PCM 16-bit mono) or raw s16le PCM."""
    pcm = np.ascontiguousarray(samples, dtype=np.int16)
    if media_type == "raw":
        return pcm.astype("<i2").tobytes()
    buffer = io.BytesIO()
    sf.write(buffer, pcm, sample_rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()

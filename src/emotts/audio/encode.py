"""Turning int16 samples into response bodies: a whole file here, streamed bodies through `open_encoder`."""

from __future__ import annotations

import numpy as np

from emotts.audio.stream_encoders import (
    CONTENT_TYPES,
    Encoder,
    FormatUnavailableError,
    MediaType,
    check_format,
    encode_complete,
    open_encoder,
)

__all__ = [
    "CONTENT_TYPES",
    "Encoder",
    "FormatUnavailableError",
    "MediaType",
    "check_format",
    "encode",
    "encode_complete",
    "open_encoder",
]


def encode(
    samples: np.ndarray, sample_rate: int, media_type: MediaType, *, output_rate: int | None = None
) -> bytes:
    """A complete file: WAV with exact sizes, raw s16le PCM, Ogg Vorbis, FLAC, MP3, AAC (ADTS) or Ogg Opus."""
    return encode_complete(samples, sample_rate, media_type, output_rate=output_rate)

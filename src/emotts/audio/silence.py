"""Trimming leading and trailing silence from a WAV, as chat clients do before playback."""

from __future__ import annotations

import io

import numpy as np
import soundfile as sf


def silent_edges(
    samples: np.ndarray, sample_rate: int, threshold_db: float, chunk_ms: float = 10.0
) -> tuple[int, int]:
    """Samples of silence at the start and end, measured in `chunk_ms` windows against full scale."""
    chunk = max(1, int(sample_rate * chunk_ms / 1000))
    count = len(samples) // chunk
    if count == 0:
        return 0, 0
    frames = samples[: count * chunk].reshape(count, chunk).astype(np.float64)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    loud = 20 * np.log10(np.maximum(rms, 1e-10)) > threshold_db
    if not loud.any():
        return len(samples), 0
    first = int(np.argmax(loud))
    last = count - 1 - int(np.argmax(loud[::-1]))
    return first * chunk, len(samples) - (last + 1) * chunk


def trim_silence(wav: bytes, threshold_db: float = -60.0, max_ratio: float = 0.1) -> bytes:
    """Cut silence from both ends of a WAV, at most `max_ratio` of its length per side.

    Audio that is silent throughout is returned unchanged rather than emptied.
    """
    samples, rate = sf.read(io.BytesIO(wav), dtype="float32", always_2d=True)
    mono = samples.mean(axis=1)
    head, tail = silent_edges(mono, rate, threshold_db)
    if head >= len(mono):
        return wav
    limit = int(len(mono) * max_ratio)
    head, tail = min(head, limit), min(tail, limit)
    if head == 0 and tail == 0:
        return wav
    buffer = io.BytesIO()
    sf.write(buffer, samples[head : len(samples) - tail], rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()

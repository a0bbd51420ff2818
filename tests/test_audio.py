"""Encoding and silence trimming."""

from __future__ import annotations

import io

import numpy as np
import soundfile as sf

from emotts.audio.encode import encode
from emotts.audio.silence import silent_edges, trim_silence


def _wav(samples: np.ndarray, rate: int = 16000) -> bytes:
    return encode((samples * 32767).astype(np.int16), rate, "wav")


def test_wav_and_raw_encode_the_same_samples() -> None:
    samples = (np.sin(np.arange(1600) / 5) * 10000).astype(np.int16)
    decoded, rate = sf.read(io.BytesIO(encode(samples, 16000, "wav")), dtype="int16")
    assert rate == 16000 and np.array_equal(decoded, samples)
    assert np.array_equal(np.frombuffer(encode(samples, 16000, "raw"), dtype="<i2"), samples)


def test_silent_edges_finds_leading_and_trailing_silence() -> None:
    rate = 16000
    tone = np.sin(np.arange(rate) * 2 * np.pi * 200 / rate) * 0.5
    samples = np.concatenate([np.zeros(1600), tone, np.zeros(3200)])
    head, tail = silent_edges(samples, rate, threshold_db=-50)
    assert head == 1600 and tail == 3200


def test_trim_is_capped_at_the_ratio_per_side() -> None:
    rate = 16000
    tone = np.sin(np.arange(rate) * 2 * np.pi * 200 / rate) * 0.5
    samples = np.concatenate([np.zeros(rate), tone, np.zeros(rate)])  # 3 s, 1 s silence each side
    trimmed, _ = sf.read(io.BytesIO(trim_silence(_wav(samples), -50, max_ratio=0.1)))
    assert len(trimmed) == len(samples) - 2 * int(len(samples) * 0.1)


def test_all_silent_or_no_silence_is_unchanged() -> None:
    silent = _wav(np.zeros(16000))
    assert trim_silence(silent) == silent
    loud = _wav(np.full(16000, 0.5))
    assert trim_silence(loud) == loud

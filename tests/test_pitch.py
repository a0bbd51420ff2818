from __future__ import annotations

import numpy as np
import pytest

from emotts.audio.pitch import median_f0


def harmonic(f0: float, sample_rate: int, seconds: float = 1.0, harmonics: int = 8) -> np.ndarray:
    """A buzzy, voice-like tone: harmonics k·f0 with amplitude 1/k."""
    t = np.arange(round(seconds * sample_rate)) / sample_rate
    return 0.2 * sum(np.sin(2 * np.pi * f0 * k * t + k) / k for k in range(1, harmonics + 1))


@pytest.mark.parametrize("sample_rate", [8000, 16000, 22050, 48000])
@pytest.mark.parametrize("f0", [70.0, 110.0, 220.0, 260.0, 440.0])
def test_harmonic_tone(f0: float, sample_rate: int) -> None:
    assert median_f0(harmonic(f0, sample_rate), sample_rate) == pytest.approx(f0, rel=0.02)


def test_pure_sine() -> None:
    t = np.arange(22050) / 22050
    assert median_f0(0.5 * np.sin(2 * np.pi * 180.0 * t), 22050) == pytest.approx(180.0, rel=0.02)


def test_missing_fundamental_is_still_heard_at_the_fundamental() -> None:
    t = np.arange(16000) / 16000
    tone = sum(np.sin(2 * np.pi * 150.0 * k * t) / k for k in range(2, 9))
    assert median_f0(0.2 * tone, 16000) == pytest.approx(150.0, rel=0.02)


def test_gliding_pitch_gives_its_median() -> None:
    rate = 16000
    frequency = np.linspace(120.0, 240.0, 2 * rate)  # median 180 Hz
    tone = 0.3 * np.sin(2 * np.pi * np.cumsum(frequency) / rate)
    assert median_f0(tone, rate) == pytest.approx(180.0, rel=0.03)


def test_silence_around_speech_is_ignored() -> None:
    rate = 22050
    clip = np.concatenate([np.zeros(rate), harmonic(200.0, rate, 0.5), np.zeros(rate)])
    assert median_f0(clip, rate) == pytest.approx(200.0, rel=0.02)


def test_noisy_tone() -> None:
    rate = 16000
    noise = np.random.default_rng(1).normal(scale=0.03, size=rate)
    assert median_f0(harmonic(130.0, rate) + noise, rate) == pytest.approx(130.0, rel=0.02)


def test_integer_samples_and_scale_do_not_matter() -> None:
    tone = harmonic(240.0, 16000)
    pcm = (tone / np.abs(tone).max() * 20000).astype(np.int16)
    assert median_f0(pcm, 16000) == pytest.approx(median_f0(tone * 0.01, 16000), rel=0.001)


@pytest.mark.parametrize(
    "clip",
    [
        np.zeros(16000),
        np.zeros(0),
        np.zeros(50),  # shorter than one analysis frame
        np.random.default_rng(0).normal(scale=0.1, size=16000),  # white noise is not voiced
    ],
    ids=["silence", "empty", "too-short", "noise"],
)
def test_unvoiced_clips_have_no_pitch(clip: np.ndarray) -> None:
    assert median_f0(clip, 16000) is None


@pytest.mark.parametrize("f0", [40.0, 620.0])
def test_pitch_outside_60_to_600_hz_is_not_reported(f0: float) -> None:
    t = np.arange(16000) / 16000
    assert median_f0(0.3 * np.sin(2 * np.pi * f0 * t), 16000) is None

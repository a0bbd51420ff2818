"""Resampling keeps in-band tones exact and in time, and removes what the new rate cannot hold."""

from __future__ import annotations

import numpy as np
import pytest

from emotts.audio.resample import resample

RATES = [(22050, 48000), (32000, 16000), (48000, 32000), (16000, 24000), (44100, 16000), (24000, 32000)]


@pytest.mark.parametrize(("source", "target"), RATES)
def test_tone_survives_without_delay(source: int, target: int) -> None:
    t = np.arange(source * 2) / source
    out = resample(np.sin(2 * np.pi * 440 * t), source, target)
    assert len(out) == 2 * target and out.dtype == np.float32
    expected = np.sin(2 * np.pi * 440 * np.arange(len(out)) / target)
    assert np.abs(out[400:-400] - expected[400:-400]).max() < 1e-3


@pytest.mark.parametrize(("source", "target"), [(32000, 16000), (48000, 32000), (44100, 16000)])
def test_tones_above_the_new_nyquist_are_removed(source: int, target: int) -> None:
    t = np.arange(source) / source
    out = resample(np.sin(2 * np.pi * 0.6 * target * t), source, target)
    assert np.sqrt(np.mean(out[400:-400] ** 2)) < 1e-3


def test_same_rate_and_empty_input_are_copies() -> None:
    samples = np.array([0.1, -0.2, 0.3])
    same = resample(samples, 16000, 16000)
    assert np.allclose(same, samples) and same is not samples
    assert len(resample(np.zeros(0), 16000, 48000)) == 0

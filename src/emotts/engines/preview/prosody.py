"""How the preview voice sounds: espeak-ng prosody per emotion, and pitch matched to the reference clip."""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from emotts.audio.pitch import median_f0
from emotts.emotion.labels import NEUTRAL

if TYPE_CHECKING:
    from emotts.engines.preview.espeak import Espeak

log = logging.getLogger(__name__)

RATE_MIN, RATE_MAX = 80, 450  # words per minute that espeak-ng accepts
PITCH_MIN, PITCH_MAX = 0, 100
DEFAULT_PITCH = 50


@dataclass(frozen=True)
class Prosody:
    """espeak-ng voice parameters; the defaults are espeak's own (its neutral voice).

    rate: words per minute (80-450). pitch: base pitch (0-100; about +1.7 semitones per 10).
    pitch_range: intonation range (0-100, 0 is monotone). volume: amplitude (0-200, 100 normal).
    word_gap: extra pause between words in 10 ms units (Chinese: between syllables).
    """

    rate: int = 175
    pitch: int = DEFAULT_PITCH
    pitch_range: int = 50
    volume: int = 100
    word_gap: int = 0


# Each preset is a caricature of how people speak in that state, exaggerated because espeak has no
# voice quality controls: rate and loudness carry arousal, pitch and range carry valence and tension.
EMOTION_PROSODY: dict[str, Prosody] = {
    "高兴": Prosody(rate=190, pitch=58, pitch_range=70, volume=110),  # bright, lively
    "悲伤": Prosody(rate=135, pitch=40, pitch_range=25, volume=70, word_gap=2),  # slow, low, flat, quiet
    "愤怒": Prosody(rate=215, pitch=54, pitch_range=85, volume=140),  # fast, loud, wide
    "惊讶": Prosody(rate=185, pitch=66, pitch_range=90, volume=115),  # high with big swings
    "恐惧": Prosody(rate=205, pitch=62, pitch_range=30, volume=80, word_gap=1),  # hurried, high, tight
    "厌恶": Prosody(rate=150, pitch=42, pitch_range=60, volume=100, word_gap=1),  # low, drawn out
    NEUTRAL: Prosody(),
    "害羞": Prosody(rate=160, pitch=58, pitch_range=35, volume=70, word_gap=1),  # soft, hesitant
    "兴奋": Prosody(rate=225, pitch=64, pitch_range=85, volume=125),  # fastest, high, wide
    "舒适": Prosody(rate=155, pitch=46, pitch_range=40, volume=90),  # unhurried, settled
    "紧张": Prosody(rate=215, pitch=60, pitch_range=25, volume=90),  # fast, higher, narrow
    "爱慕": Prosody(rate=155, pitch=54, pitch_range=60, volume=85),  # warm, gentle
    "委屈": Prosody(rate=155, pitch=60, pitch_range=80, volume=80, word_gap=1),  # higher, wavering
    "骄傲": Prosody(rate=165, pitch=46, pitch_range=70, volume=120),  # measured, firm
    "困惑": Prosody(rate=155, pitch=55, pitch_range=70, volume=95, word_gap=2),  # halting, questioning
}


def prosody_for(emotion: str, base_pitch: int = DEFAULT_PITCH, speed: float = 1.0) -> Prosody:
    """The preset of emotion label `emotion`, shifted so neutral speech is at `base_pitch`, rate × `speed`."""
    preset = EMOTION_PROSODY[emotion]
    pitch = preset.pitch + base_pitch - DEFAULT_PITCH
    return replace(
        preset,
        rate=min(max(round(preset.rate * speed), RATE_MIN), RATE_MAX),
        pitch=min(max(pitch, PITCH_MIN), PITCH_MAX),
    )


# A reference whose median F0 is at least this high is voiced with a female variant: raising a male
# voice's pitch alone sounds like a sped-up tape, and espeak's male voices top out near 160 Hz.
# 150 Hz sits between typical adult male (85-155 Hz) and female (165-255 Hz) speaking pitch.
FEMALE_F0 = 150.0
# f4 is the only female variant without added breath noise or roughness: the clearest speech,
# and its pitch stays easy to measure.
FEMALE_VARIANT = "+f4"

_CALIBRATION_PITCHES = (0, 20, 40, 60, 80, 100)
# Sentences whose median F0 defines a voice's pitch scale, mixing all tones of the language.
_CALIBRATION_TEXT = {
    "cmn": "今天我们一起去公园散步，好不好？",
    "yue": "今日我哋一齊去公園散步，好唔好呀？",
}
_CALIBRATION_TEXT_DEFAULT = "Today we could all go for a walk in the park, couldn't we?"


class PitchCalibration:
    """Maps a reference clip's median F0 to an espeak voice variant and base pitch.

    espeak's pitch parameter scales each voice's own pitch table non-linearly, so rather than modelling
    that, each voice is measured once on first use: a fixed sentence is synthesized at a few pitch
    values and its median F0 estimated; a target F0 is then interpolated on that curve in log frequency
    (the curve is close to exponential, so log-linear interpolation between points is accurate).
    """

    def __init__(self, espeak: Espeak) -> None:
        self._espeak = espeak
        self._curves: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._lock = threading.Lock()

    def match(self, voice: str, reference_f0: float | None) -> tuple[str, int]:
        """The voice (maybe with a female variant) and neutral base pitch that imitate `reference_f0`."""
        if reference_f0 is None:
            return voice, DEFAULT_PITCH
        if reference_f0 >= FEMALE_F0:
            voice += FEMALE_VARIANT
        log_f0s, pitches = self._curve(voice)
        return voice, round(float(np.interp(math.log(reference_f0), log_f0s, pitches)))

    def _curve(self, voice: str) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            curve = self._curves.get(voice)
            if curve is None:
                curve = self._curves[voice] = self._measure(voice)
            return curve

    def _measure(self, voice: str) -> tuple[np.ndarray, np.ndarray]:
        text = _CALIBRATION_TEXT.get(voice.split("+")[0], _CALIBRATION_TEXT_DEFAULT)
        points: list[tuple[float, int]] = []
        for pitch in _CALIBRATION_PITCHES:
            samples = self._espeak.synthesize(text, voice, Prosody(pitch=pitch))
            f0 = median_f0(samples, self._espeak.sample_rate)
            if f0 is not None:
                points.append((math.log(f0), pitch))
        if len(points) < 2:
            log.warning("could not measure the pitch of espeak voice %r; using its default pitch", voice)
            return np.array([0.0]), np.array([float(DEFAULT_PITCH)])
        # np.interp needs increasing x; a rare non-monotonic estimate is flattened rather than trusted.
        log_f0s = np.maximum.accumulate(np.array([p[0] for p in points]))
        pitches = np.array([float(p[1]) for p in points])
        log.info(
            "calibrated espeak voice %r: pitch %s -> median F0 %s Hz",
            voice,
            [int(p) for p in pitches],
            [round(math.exp(f)) for f in log_f0s],
        )
        return log_f0s, pitches

"""The preview engine: espeak-ng speech with the emotion's prosody at the reference clip's pitch.

It needs no model files, so a fresh install can demo every role and emotion; the voice is robotic
but the language, emotion, speed and pitch of the role are all audible.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path

from emotts.audio.pitch import median_f0
from emotts.audio.wavio import read_audio
from emotts.emotion.labels import normalize_emotion
from emotts.engines.base import AudioChunk, SynthesisRequest
from emotts.engines.preview.espeak import Espeak, shared_espeak
from emotts.engines.preview.prosody import PitchCalibration, prosody_for
from emotts.errors import AudioFileError, UnknownLanguageError
from emotts.languages import base_language, detect_language, normalize_language

log = logging.getLogger(__name__)

# espeak-ng voice for each spoken language; cmn also reads English words inside Chinese text.
_VOICES = {"zh": "cmn", "yue": "yue", "en": "en-us"}
LANGUAGES: frozenset[str] = frozenset({"zh", "yue", "en", "auto", "auto_yue", "all_zh", "all_yue"})
_F0_CACHE_SIZE = 256


class PreviewEngine:
    """Engine protocol implementation; safe to call from several threads (espeak calls are serialized)."""

    name = "preview"
    languages = LANGUAGES

    def __init__(self, espeak: Espeak | None = None) -> None:
        self._espeak = espeak or shared_espeak()
        self._calibration = PitchCalibration(self._espeak)
        self._clip_f0 = lru_cache(maxsize=_F0_CACHE_SIZE)(_clip_f0)

    def synthesize(self, request: SynthesisRequest) -> Iterator[AudioChunk]:
        """One chunk per non-blank segment. Unsupported languages and emotions raise here, before audio."""
        language = normalize_language(request.language, self.languages)
        emotion = normalize_emotion(request.emotion)
        segments = [text for text in request.segments if text.strip()]
        voices = [self._voice(text, language) for text in segments]
        return self._speak(segments, voices, request.reference.audio_path, emotion, request.params.speed)

    def _voice(self, text: str, language: str) -> str:
        spoken = base_language(language)
        if language in ("auto", "auto_yue"):
            spoken = detect_language(text)
            if spoken == "zh" and language == "auto_yue":
                spoken = "yue"
        if spoken not in _VOICES:  # auto detected Japanese or Korean, which espeak's voices here can't read
            raise UnknownLanguageError(spoken, self.languages)
        return _VOICES[spoken]

    def _speak(
        self, segments: Sequence[str], voices: Sequence[str], reference: Path, emotion: str, speed: float
    ) -> Iterator[AudioChunk]:
        reference_f0 = self._reference_f0(reference)
        sample_rate = self._espeak.sample_rate
        for text, voice in zip(segments, voices, strict=True):
            variant, base_pitch = self._calibration.match(voice, reference_f0)
            prosody = prosody_for(emotion, base_pitch, speed)
            log.debug("preview %s %s %s: %r", variant, emotion, prosody, text)
            yield AudioChunk(self._espeak.synthesize(text, variant, prosody), sample_rate)

    def _reference_f0(self, path: Path) -> float | None:
        try:
            mtime_ns: int | None = path.stat().st_mtime_ns
        except OSError:
            mtime_ns = None  # _clip_f0 reports the missing file
        return self._clip_f0(path, mtime_ns)


def _clip_f0(path: Path, mtime_ns: int | None) -> float | None:
    """Median F0 of a reference clip, None if it has none or can't be read. `mtime_ns` keys the cache."""
    try:
        samples, sample_rate = read_audio(path)
    except AudioFileError as exc:
        log.warning("cannot read reference clip %s (%s); previewing at the preset pitch", path, exc.reason)
        return None
    f0 = median_f0(samples, sample_rate)
    if f0 is None:
        log.warning("reference clip %s has no voiced speech; previewing at the preset pitch", path)
    else:
        log.debug("reference clip %s: median F0 %.0f Hz", path, f0)
    return f0

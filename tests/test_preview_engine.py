from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from emotts.audio.pitch import median_f0
from emotts.emotion.labels import EMOTIONS, NEUTRAL
from emotts.engines.base import Reference, SynthesisParams, SynthesisRequest
from emotts.engines.preview.engine import PreviewEngine
from emotts.engines.preview.espeak import Espeak, shared_espeak
from emotts.engines.preview.prosody import EMOTION_PROSODY, RATE_MAX, Prosody, prosody_for
from emotts.errors import SynthesisError, UnknownLanguageError

from role_folders import write_wav

SENTENCE = "今天我终于拿到了那份工作，真是太不容易了。"


def write_tone(path: Path, f0: float) -> Path:
    """A voice-like harmonic tone standing in for a reference clip of that pitch."""
    return write_wav(path, freq=f0, rate=24000)


@pytest.fixture(scope="module")
def engine() -> PreviewEngine:
    return PreviewEngine()


@pytest.fixture(scope="module")
def low_reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tone(tmp_path_factory.mktemp("refs") / "low.wav", 100.0)


@pytest.fixture(scope="module")
def high_reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tone(tmp_path_factory.mktemp("refs") / "high.wav", 260.0)


def request(
    text: str | tuple[str, ...],
    reference: Path,
    language: str = "zh",
    emotion: str = NEUTRAL,
    speed: float = 1.0,
) -> SynthesisRequest:
    segments = (text,) if isinstance(text, str) else text
    return SynthesisRequest(
        segments=segments,
        language=language,
        reference=Reference(reference, "参考", "zh"),
        emotion=emotion,
        params=SynthesisParams(speed=speed),
    )


def speak(engine: PreviewEngine, text: str, reference: Path, **options: object) -> np.ndarray:
    chunks = list(engine.synthesize(request(text, reference, **options)))  # type: ignore[arg-type]
    assert len(chunks) == 1
    assert chunks[0].sample_rate == 22050
    assert chunks[0].samples.dtype == np.int16
    return chunks[0].samples


def seconds(samples: np.ndarray) -> float:
    return len(samples) / 22050


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))


def pitch(samples: np.ndarray) -> float:
    f0 = median_f0(samples, 22050)
    assert f0 is not None
    return f0


@pytest.mark.parametrize(
    ("language", "text", "min_s", "max_s"),
    [
        ("zh", SENTENCE, 2.5, 7.0),  # 20 syllables
        ("all_zh", "你好。", 0.3, 2.0),
        ("yue", "你好，今日天氣好好，我哋一齊去公園散步啦。", 2.0, 7.0),
        ("en", "Hello there, how are you doing today?", 1.0, 4.0),
        ("zh", "我今天用Python写了一个小程序。", 1.5, 6.0),  # English word inside Chinese
        ("auto", "The weather is lovely today.", 0.8, 4.0),
        ("auto_yue", "早晨，食咗飯未呀？", 0.8, 4.0),
    ],
    ids=["zh", "all_zh", "yue", "en", "zh+en", "auto-en", "auto_yue"],
)
def test_speaks_each_language(
    engine: PreviewEngine, low_reference: Path, language: str, text: str, min_s: float, max_s: float
) -> None:
    samples = speak(engine, text, low_reference, language=language)
    assert min_s < seconds(samples) < max_s
    assert rms(samples) > 1000  # clearly audible, not near-silence
    assert pitch(samples) > 0


def test_english_inside_chinese_is_spoken(engine: PreviewEngine, low_reference: Path) -> None:
    without = seconds(speak(engine, "我喜欢学习。", low_reference))
    with_english = seconds(speak(engine, "我喜欢学习Python programming。", low_reference))
    assert with_english > without + 0.5


def test_one_chunk_per_nonblank_segment_in_order(engine: PreviewEngine, low_reference: Path) -> None:
    segments = ("你好。", "  ", "", "今天我们一起去公园散步，然后吃晚饭，好不好？")
    chunks = list(engine.synthesize(request(segments, low_reference)))
    assert len(chunks) == 2
    assert all(chunk.segment_end for chunk in chunks)
    assert chunks[0].duration < chunks[1].duration / 3


def test_angry_is_faster_and_louder_than_sad(engine: PreviewEngine, low_reference: Path) -> None:
    angry = speak(engine, SENTENCE, low_reference, emotion="愤怒")
    sad = speak(engine, SENTENCE, low_reference, emotion="悲伤")
    assert seconds(angry) < 0.7 * seconds(sad)
    assert rms(angry) > 1.5 * rms(sad)


def test_emotion_aliases_are_accepted(engine: PreviewEngine, low_reference: Path) -> None:
    angry = speak(engine, SENTENCE, low_reference, emotion="angry")
    neutral = speak(engine, SENTENCE, low_reference)
    assert seconds(angry) < 0.9 * seconds(neutral)


def test_every_emotion_has_a_distinct_preset() -> None:
    assert set(EMOTION_PROSODY) == set(EMOTIONS)
    assert EMOTION_PROSODY[NEUTRAL] == Prosody()
    assert len(set(EMOTION_PROSODY.values())) == len(EMOTIONS)


def test_prosody_follows_base_pitch_and_speed_within_espeak_limits() -> None:
    sad = EMOTION_PROSODY["悲伤"]
    assert prosody_for("悲伤", base_pitch=70).pitch == sad.pitch + 20
    assert prosody_for("兴奋", base_pitch=100).pitch == 100
    assert prosody_for("悲伤", speed=2.0).rate == 2 * sad.rate
    assert prosody_for("兴奋", speed=3.0).rate == RATE_MAX


def test_reference_pitch_moves_the_voice(
    engine: PreviewEngine, low_reference: Path, high_reference: Path
) -> None:
    low = pitch(speak(engine, SENTENCE, low_reference))
    high = pitch(speak(engine, SENTENCE, high_reference))
    assert low == pytest.approx(100.0, rel=0.15)
    assert high == pytest.approx(260.0, rel=0.15)


def test_reference_pitch_applies_to_english_and_cantonese(
    engine: PreviewEngine, low_reference: Path, high_reference: Path
) -> None:
    for language, text in (("en", "Hello there, how are you doing today?"), ("yue", "你好，今日天氣好好。")):
        low = pitch(speak(engine, text, low_reference, language=language))
        high = pitch(speak(engine, text, high_reference, language=language))
        assert high > 1.8 * low


def test_changed_reference_file_is_measured_again(engine: PreviewEngine, tmp_path: Path) -> None:
    clip = write_tone(tmp_path / "ref.wav", 100.0)
    before = pitch(speak(engine, SENTENCE, clip))
    write_tone(clip, 260.0)
    stat = clip.stat()
    os.utime(clip, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # mtime may not tick
    assert pitch(speak(engine, SENTENCE, clip)) > 1.8 * before


def test_faster_speed_is_shorter(engine: PreviewEngine, low_reference: Path) -> None:
    normal = seconds(speak(engine, SENTENCE, low_reference))
    fast = seconds(speak(engine, SENTENCE, low_reference, speed=1.5))
    assert fast < 0.8 * normal


@pytest.mark.parametrize(
    ("language", "text"), [("ja", "こんにちは"), ("ko", "안녕하세요"), ("auto", "こんにちは")]
)
def test_japanese_and_korean_are_refused_before_any_audio(
    engine: PreviewEngine, low_reference: Path, language: str, text: str
) -> None:
    with pytest.raises(UnknownLanguageError) as info:
        engine.synthesize(request(("你好。", text), low_reference, language=language))  # not iterated
    assert info.value.name == ("ja" if language == "auto" else language)
    assert {"zh", "yue", "en", "auto"} <= set(info.value.valid)
    assert "ja" not in info.value.valid


def test_missing_or_broken_reference_still_speaks(
    engine: PreviewEngine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"not audio at all")
    for reference in (tmp_path / "missing.wav", broken):
        with caplog.at_level(logging.WARNING, logger="emotts.engines.preview.engine"):
            samples = speak(engine, SENTENCE, reference)
        assert seconds(samples) > 2.0
        assert str(reference) in caplog.text


def test_concurrent_requests_do_not_mix(engine: PreviewEngine, low_reference: Path) -> None:
    texts = ["你好。" * (n + 1) for n in range(8)]
    alone = [seconds(speak(engine, text, low_reference)) for text in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(lambda text: seconds(speak(engine, text, low_reference)), texts))
    # espeak-ng output varies by a few samples between runs, so compare lengths, not bytes.
    assert together == pytest.approx(alone, rel=0.02)


def test_espeak_voice_variants_and_unknown_voice() -> None:
    espeak = shared_espeak()
    male = espeak.synthesize(SENTENCE, "cmn", Prosody())
    female = espeak.synthesize(SENTENCE, "cmn+f4", Prosody())
    assert pitch(female) > 1.4 * pitch(male)
    with pytest.raises(SynthesisError, match="no-such-voice"):
        espeak.synthesize(SENTENCE, "no-such-voice", Prosody())


def test_unloadable_library_is_a_clear_error(tmp_path: Path) -> None:
    espeak = Espeak(library_path=str(tmp_path / "libespeak-ng.so"), data_path=str(tmp_path))
    for _ in range(2):  # the failure is remembered, not retried
        with pytest.raises(SynthesisError, match="cannot load the espeak-ng library"):
            espeak.synthesize("hello", "en-us", Prosody())

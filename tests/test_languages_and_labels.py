"""Language codes and emotion labels: normalisation and the errors that list valid values."""

from __future__ import annotations

import pytest

from emotts.emotion.labels import EMOTIONS, ENGLISH, emotion_id, normalize_emotion, parse_emotion
from emotts.errors import UnknownEmotionError, UnknownLanguageError
from emotts.languages import base_language, detect_language, normalize_language


def test_labels_keep_the_contract_order() -> None:
    contract = "高兴 悲伤 愤怒 惊讶 恐惧 厌恶 中性 害羞 兴奋 舒适 紧张 爱慕 委屈 骄傲 困惑"
    assert " ".join(EMOTIONS) == contract
    assert [emotion_id(label) for label in EMOTIONS] == list(range(15))


@pytest.mark.parametrize(
    ("name", "label"),
    [("angry", "愤怒"), ("ANGRY", "愤怒"), (" 开心 ", "高兴"), ("joy", "高兴"), ("2", "愤怒"), ("14", "困惑"),
     ("relaxed", "舒适"), ("love", "爱慕"), ("wronged", "委屈"), ("proud", "骄傲"), ("中性", "中性")],
)  # fmt: skip
def test_aliases_ids_and_labels_are_accepted(name: str, label: str) -> None:
    assert parse_emotion(name) == label


def test_every_label_has_an_english_alias_that_round_trips() -> None:
    assert all(parse_emotion(ENGLISH[label]) == label for label in EMOTIONS)


def test_unknown_emotion_lists_all_labels() -> None:
    assert parse_emotion("15") is None and parse_emotion("grumpy") is None
    with pytest.raises(UnknownEmotionError) as error:
        normalize_emotion("grumpy")
    assert all(label in str(error.value) for label in EMOTIONS) and "angry" in str(error.value)


def test_languages_are_case_insensitive_with_aliases() -> None:
    assert normalize_language("ZH") == "zh"
    assert normalize_language("Cantonese") == "yue"
    assert normalize_language("All_Zh") == "all_zh"
    assert (
        base_language("all_yue") == "yue"
        and base_language("auto_yue") == "yue"
        and base_language("en") == "en"
    )


def test_unknown_language_lists_valid_codes() -> None:
    with pytest.raises(UnknownLanguageError) as error:
        normalize_language("fr", frozenset({"zh", "en"}))
    assert str(error.value) == "unknown language 'fr'; valid languages: en, zh"


@pytest.mark.parametrize(
    ("text", "language"),
    [("今天真是太开心了", "zh"), ("Hello there", "en"), ("今日は本当に楽しいです", "ja"),
     ("안녕하세요", "ko"), ("我の天哪，这也太好看了吧", "zh"), ("我今天买了3个apple", "zh")],
)  # fmt: skip
def test_script_based_detection(text: str, language: str) -> None:
    assert detect_language(text) == language

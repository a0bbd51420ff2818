"""Inline emotion tags: which brackets are tags, where they count, and how far they reach."""

from __future__ import annotations

import dataclasses

import pytest

from emotts.emotion.tags import TaggedSentence, parse_tagged_text


def _pairs(text: str) -> list[tuple[str, str | None]]:
    return [(sentence.text, sentence.tag) for sentence in parse_tagged_text(text)]


@pytest.mark.parametrize(
    ("tag", "label"),
    [
        ("[开心]", "高兴"),
        ("(happy)", "高兴"),
        ("（开心）", "高兴"),
        ("<joy>", "高兴"),
        ("【害羞】", "害羞"),
        ("‹开心›", "高兴"),
        ("«angry»", "愤怒"),
        ("[EMO:happy]", "高兴"),
        ("[emotion: sad]", "悲伤"),
        ("(Emotion=Sad)", "悲伤"),
        ("[情绪：生气]", "愤怒"),
        ("[ Surprised ]", "惊讶"),
        ("[EMO:1]", "悲伤"),  # with a prefix a number is an emotion id
        ('<|ACT:{"emotion":{"name":"happy","intensity":1}}|>', "高兴"),
        ('<|ACT:{"emotion":"sad"}|>', "悲伤"),
        ("<|EMOTE_THINK|>", "困惑"),
    ],
)
def test_every_tag_syntax_sets_the_emotion_and_is_removed(tag: str, label: str) -> None:
    assert _pairs(f"{tag}我把钥匙弄丢了。") == [("我把钥匙弄丢了。", label)]


@pytest.mark.parametrize(
    "text",
    [
        "(笑)真的吗？",
        "[1]参见上文。",
        "(see above) for details.",
        "【注意】明天停电。",
        "<b>加粗</b>的字。",
        '<|ACT:{"motion":"wave"}|>你好。',
        "<|ACT:not json|>你好。",
    ],
)
def test_brackets_that_name_no_emotion_stay_in_the_text(text: str) -> None:
    assert _pairs(text) == [(text, None)]


def test_a_tag_applies_until_the_next_tag() -> None:
    text = "你好。[happy]今天真好。天气也不错！(sad)可是要走了。再见。"
    assert _pairs(text) == [
        ("你好。", None),
        ("今天真好。", "高兴"),
        ("天气也不错！", "高兴"),
        ("可是要走了。", "悲伤"),
        ("再见。", "悲伤"),
    ]


def test_tags_count_after_whitespace_and_newlines() -> None:
    assert _pairs("[happy]\n\n你好！  <angry> 滚开！\n【sad】\n再见") == [
        ("你好！", "高兴"),
        ("滚开！", "愤怒"),
        ("再见", "悲伤"),
    ]


def test_a_tag_at_the_very_end_covers_the_untagged_sentences_before_it() -> None:
    assert _pairs("你好。再见。[EMO:happy]") == [("你好。", "高兴"), ("再见。", "高兴")]
    assert _pairs("你好。[sad]再见。[happy]") == [("你好。", "高兴"), ("再见。", "悲伤")]


def test_a_tag_closing_a_sentence_is_at_its_boundary() -> None:
    assert _pairs("你好[happy]") == [("你好", "高兴")]
    assert _pairs("你好。[happy]……") == [("你好。……", "高兴")]
    # Mid-text, a tag just before the terminator opens the next sentence, like one just after it.
    assert _pairs("你好[happy]！再见") == [("你好！", None), ("再见", "高兴")]


def test_of_adjacent_tags_the_last_counts() -> None:
    assert _pairs("[happy][sad]你好") == [("你好", "悲伤")]
    assert _pairs("你好。[happy] [angry]") == [("你好。", "愤怒")]


def test_a_tag_after_leading_punctuation_still_starts_the_sentence() -> None:
    assert _pairs("「[happy]你好」") == [("「你好」", "高兴")]


def test_a_tag_in_the_middle_of_a_sentence_is_left_alone() -> None:
    assert _pairs("我(happy)很好。") == [("我(happy)很好。", None)]
    assert _pairs("[sad]我(happy)很好。") == [("我(happy)很好。", "悲伤")]


def test_a_tag_may_split_english_sentences_without_a_space() -> None:
    assert _pairs("Hello.(happy)Bye.") == [("Hello.", None), ("Bye.", "高兴")]


@pytest.mark.parametrize("text", ["", "   ", "[happy]", "[happy] (sad)\n", "[happy]？！"])
def test_text_with_nothing_speakable_gives_no_sentences(text: str) -> None:
    assert parse_tagged_text(text) == []


def test_tagged_sentences_are_frozen() -> None:
    sentence = parse_tagged_text("[happy]你好")[0]
    assert sentence == TaggedSentence("你好", "高兴")
    with pytest.raises(dataclasses.FrozenInstanceError):
        sentence.tag = "悲伤"  # type: ignore[misc]

"""Sentence splitting: where sentences end, what stays together, and what never stands alone."""

from __future__ import annotations

import pytest

from emotts.text.sentences import sentence_spans, speakable_length, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("你好。再见。", ["你好。", "再见。"]),
        ("真的吗？！我不信！", ["真的吗？！", "我不信！"]),
        ("你好！？真的吗……我不信~~好吧", ["你好！？", "真的吗……", "我不信~~", "好吧"]),
        ("好呀～那走吧；别迟到", ["好呀～", "那走吧；", "别迟到"]),
        ("ありがとう。また明日！", ["ありがとう。", "また明日！"]),
        ("Hi. How are you? Fine!", ["Hi.", "How are you?", "Fine!"]),
        ("Wait... what?!", ["Wait...", "what?!"]),
    ],
)
def test_sentences_end_after_terminator_runs(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_a_dot_ends_a_sentence_only_before_whitespace_or_the_end() -> None:
    assert split_sentences("圆周率约等于3.14，e.g.x 不分开。") == ["圆周率约等于3.14，e.g.x 不分开。"]
    assert split_sentences("Version 2.5 is out. Try it.") == ["Version 2.5 is out.", "Try it."]


def test_a_tilde_between_digits_is_a_range() -> None:
    assert split_sentences("大概需要3~5天~然后就好了") == ["大概需要3~5天~", "然后就好了"]


def test_newlines_split_and_whitespace_is_stripped() -> None:
    assert split_sentences("  第一行\n第二行 \r\n\n  第三行  ") == ["第一行", "第二行", "第三行"]


def test_text_without_terminator_is_one_sentence() -> None:
    assert split_sentences("今天天气不错") == ["今天天气不错"]


@pytest.mark.parametrize("text", ["", "   ", "\n\n"])
def test_blank_text_has_no_sentences(text: str) -> None:
    assert split_sentences(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("他说：「你好！」然后走了。", ["他说：「你好！」", "然后走了。"]),
        ("（真的吗？）好吧。", ["（真的吗？）", "好吧。"]),
        ("“走吧！”她说。", ["“走吧！”", "她说。"]),
        ("【完成！】下一步。", ["【完成！】", "下一步。"]),
        ('She said "Hello!" Then left.', ['She said "Hello!"', "Then left."]),
    ],
)
def test_closing_quotes_and_brackets_stay_with_their_sentence(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_an_ascii_quote_that_opens_starts_the_next_sentence() -> None:
    assert split_sentences('你好！"我来了"') == ["你好！", '"我来了"']


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("……我不知道。", ["……我不知道。"]),
        ("受够了！(╯°□°)╯", ["受够了！(╯°□°)╯"]),
        ("你好！\n……\n再见", ["你好！", "……\n再见"]),
        ("你好。 ！！", ["你好。 ！！"]),
        ("？？？", ["？？？"]),
    ],
)
def test_pieces_with_nothing_speakable_do_not_stand_alone(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_spans_index_the_original_text() -> None:
    text = "  你好！ 再见。\n"
    spans = sentence_spans(text)
    assert spans == [(2, 5), (6, 9)]
    assert [text[start:end] for start, end in spans] == split_sentences(text)


def test_speakable_length_counts_letters_digits_and_ideographs() -> None:
    assert speakable_length("嗯。") == 1
    assert speakable_length("Oh!") == 2
    assert speakable_length("第3次……") == 3
    assert speakable_length("？！…… (╯°□°)╯") == 0

"""Text splitting (cut0..cut5) and pre-segmentation match the reference's TextPreprocessor."""

from __future__ import annotations

import json

import pytest

from emotts.engines.gptsovits.text.split import (
    METHODS,
    NoSpeakableTextError,
    UnknownSplitMethodError,
    cut,
    pre_segment,
    replace_consecutive_punctuation,
    split_long,
)

from gsv_fixtures import FIXTURES, needs_fixtures

NAMES = [f"cut{i}" for i in range(6)]


def _segments(text: str, lang: str, method: str) -> list[str] | dict[str, str]:
    try:
        return pre_segment(text, lang, method)
    except NoSpeakableTextError:
        return {"error": "ValueError: Please enter valid text."}  # the reference's filter_text error


@needs_fixtures
def test_segmentation_fixture_is_reproduced_exactly() -> None:
    lines = [json.loads(line) for line in (FIXTURES / "segmentation.jsonl").read_text("utf-8").splitlines()]
    assert len(lines) == 30
    total = same = 0
    mismatches = []
    for case in lines:
        collapsed = case["after_replace_consecutive_punctuation"]
        checks = [(replace_consecutive_punctuation(case["text"]), collapsed)]
        for m in NAMES:
            checks.append((_segments(collapsed, case["lang"], m), case[m]))
            checks.append((_segments(case["text"], case["lang"], m), case[m]))  # pre_segment collapses itself
            checks.append((cut(collapsed, m), case[f"{m}_method_only"]))
        for got, expected in checks:
            total += 1
            same += got == expected
            if got != expected:
                mismatches.append((case["text"], got, expected))
    assert same == total, mismatches[:5]


def test_consecutive_punctuation_collapses_to_first_mark() -> None:
    assert replace_consecutive_punctuation("真的吗?!...好") == "真的吗?好"
    assert replace_consecutive_punctuation("a--b……c") == "a-b…c"
    assert replace_consecutive_punctuation("好，，，的") == "好，，，的"  # full-width comma is not collapsed


def test_cut_methods() -> None:
    nine = "".join(f"第{n}句。" for n in "一二三四五六七八九")
    # cut1 groups four clauses, but the last boundary is dropped: 9 clauses → 4 + 5
    assert cut(nine, "cut1") == "第一句。第二句。第三句。第四句。\n第五句。第六句。第七句。第八句。第九句。"
    assert cut("只有一句没有标点", "cut1") == "只有一句没有标点"
    assert cut("..  ", "cut0") == "\n"
    long_clause = "长" * 51 + "。"
    assert cut(long_clause + "短。" + long_clause, "cut2") == long_clause + "\n短。" + long_clause
    assert cut("一。二。。三。", "cut3") == "一\n二\n三"
    assert cut("It is 3.14 now. Yes.", "cut4") == "It is 3.14 now\n Yes"
    assert cut("Pi is 3.14. Yes.", "cut4") == "Pi is 3.14. Yes"  # a dot after a digit never splits
    assert cut("价格是3.5元，好吗？好！", "cut5") == "价格是3.5元，\n好吗？\n好！"


def test_unknown_method_lists_the_valid_ones_in_order() -> None:
    with pytest.raises(UnknownSplitMethodError) as info:
        cut("你好", "cut9")
    assert "cut0, cut1, cut2, cut3, cut4, cut5" in str(info.value)
    with pytest.raises(ValueError):
        pre_segment("你好", "zh", "bogus")
    assert list(METHODS) == NAMES


def test_pre_segment_guards_short_first_clause_and_closes_lines() -> None:
    assert pre_segment("好", "zh", "cut0") == ["。好。"]
    assert pre_segment("Hi", "en", "cut0") == [".Hi."]
    assert pre_segment("今天天气很好", "zh", "cut0") == ["今天天气很好。"]
    assert pre_segment("\n\n", "zh", "cut0") == []
    # lines shorter than 5 characters are merged into the next one
    assert pre_segment("一二三四五。六。七八九十一。", "zh", "cut5") == ["一二三四五。", "六。七八九十一。"]
    with pytest.raises(NoSpeakableTextError):
        pre_segment(".", "zh", "cut0")


def test_lines_longer_than_bert_window_are_cut_at_punctuation() -> None:
    text = "，".join(["字" * 100] * 8) + "。"
    segments = pre_segment(text, "zh", "cut0")
    assert len(segments) == 2
    assert all(len(s) <= 510 for s in segments)
    assert "".join(segments) == text
    assert split_long("a" * 600) == ["", "a" * 600]  # no mark to cut at: the reference emits an empty piece

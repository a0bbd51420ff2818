"""The Cantonese frontend gives the reference's normalised text, Jyutping phones and word2ph (yue.jsonl)."""

from __future__ import annotations

from emotts.engines.gptsovits.text import cantonese
from emotts.engines.gptsovits.text.zh_normalize import normalize_sentences, num2str

from gsv_fixtures import frontend_cases, needs_fixtures


@needs_fixtures
def test_yue_fixture_phones() -> None:
    cases = frontend_cases("yue")
    assert len(cases) == 30
    same, mismatches = 0, []
    for case in cases:
        norm = cantonese.normalize(case["text"])
        phones, word2ph = cantonese.g2p(norm)
        assert sum(word2ph) == len(phones) and len(word2ph) == len(norm)
        ok = norm == case["norm_text"] and phones == case["phones"] and word2ph == case["word2ph"]
        same += ok
        if not ok:
            mismatches.append((case["text"], norm, phones, case["phones"]))
    print(f"yue identical: {same}/{len(cases)}")
    assert same / len(cases) >= 0.99, mismatches


def test_chinese_normalisation() -> None:
    assert normalize_sentences("今日係2024年3月15號，氣溫-3°C。") == [
        "今日系二零二四年三月十五号，",
        "气温零下三度。",
    ]
    assert normalize_sentences("8:30-12:30 有50%機會") == ["八点半至十二点半有百分之五十机会"]
    assert normalize_sentences("打13812345678，3/4嘅人") == ["打幺三八幺二三四五六七八，", "四分之三嘅人"]
    assert normalize_sentences("2个人，1.50元") == [
        "两个人，",
        "一点五零元",
    ]  # a trailing zero decimal is kept once
    assert num2str("10") == "十" and num2str("1024") == "一千零二十四" and num2str(".5") == "零点五"


def test_jyutping_split_and_punctuation() -> None:
    assert cantonese.normalize("你好！Hello（world）...") == "你好!…"
    phones, word2ph = cantonese.g2p("唔该,五点半.")  # 五 ng5: initial "ng", empty final -> its last letter
    assert phones == ["Ym", "Ym4", "Yg", "Yoi1", ",", "Yng", "Yg5", "Yd", "Yim2", "Yb", "Yun3", "."]
    assert word2ph == [2, 2, 1, 2, 2, 2, 1]

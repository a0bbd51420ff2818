"""The Mandarin frontend and `clean_text` against the reference: every zh fixture line (v2 with erhua, v1
without) gives the same normalised text, phones, ids and word2ph; the cleaner's special rules."""

from __future__ import annotations

import pytest

from emotts.engines.gptsovits.text.chinese import g2p, g2p_v1, normalize
from emotts.engines.gptsovits.text.cleaner import clean_text
from emotts.engines.gptsovits.text.symbols import phones_to_ids, symbols
from emotts.errors import UnknownLanguageError

from gsv_fixtures import frontend_cases, needs_fixtures


@needs_fixtures
@pytest.mark.parametrize("version", ["v2", "v1"])
def test_every_zh_fixture_line_is_identical(version: str) -> None:
    cases = [case for case in frontend_cases("zh") if case["version"] == version]
    wrong = []
    for case in cases:
        cleaned = clean_text(case["text"], "zh", version)
        ours = (cleaned.norm_text, list(cleaned.phones), list(cleaned.phone_ids), list(cleaned.word2ph or []))
        expected = (case["norm_text"], case["phones"], case["phone_ids"], case["word2ph"])
        if ours != expected:
            wrong.append((case["text"], ours[0], expected[0]))
    assert len(cases) == 150
    assert not wrong, wrong[:5]


@needs_fixtures
@pytest.mark.parametrize("language", ["en", "ja", "ko", "yue"])
def test_other_languages_through_the_cleaner_give_the_reference_ids(language: str) -> None:
    for case in frontend_cases(language):
        cleaned = clean_text(case["text"], case["lang"], case["version"])
        assert cleaned.norm_text == case["norm_text"], case["text"]
        assert list(cleaned.phones) == case["phones"], case["text"]
        assert list(cleaned.phone_ids) == case["phone_ids"], case["text"]


def test_symbol_tables_have_the_official_sizes_and_order() -> None:
    assert len(symbols("v1")) == 322 and len(symbols("v2")) == 732 and len(symbols("v2ProPlus")) == 732
    assert symbols("v2")[:5] == ("!", ",", "-", ".", "?") and "UNK" in symbols("v1")
    assert symbols("v1") == symbols("v2")[:322]  # v2 appends Korean and Cantonese after the v1 table
    assert phones_to_ids(["a1", "UNK"], "v1") == phones_to_ids(["a1", "UNK"], "v2")


def test_tone_sandhi_and_erhua() -> None:
    assert g2p(normalize("你好"))[0] == ["n", "i2", "h", "ao3"]  # third tone before third tone
    assert g2p(normalize("不要"))[0][1] == "u2"  # 不 before a fourth tone
    assert g2p(normalize("一个"))[0][1] == "i2"
    # erhua (v2+): 儿 takes the tone of the syllable it joins; v1 keeps its own neutral tone
    assert g2p(normalize("一会儿"))[0][-1] == "er4"
    assert g2p_v1(normalize("一会儿"))[0][-1] == "er5"


def test_numbers_dates_and_units_are_spelled_out() -> None:
    assert normalize("今天是2024年3月5日") == "今天是二零二四年三月五日"
    assert normalize("涨了50%") == "涨了百分之五十"
    assert normalize("气温-3.5度") == "气温零下三点五度"
    assert normalize("你好！！！真的吗？？") == "你好!真的吗?"


def test_cleaner_rules() -> None:
    paused = clean_text("你好￥世界", "zh", "v2")
    assert "SP2" in paused.phones and "," not in paused.phones
    short = clean_text("a", "en", "v2")
    assert short.phones[0] == "," and len(short.phones) >= 2
    with pytest.raises(UnknownLanguageError, match="ko"):
        clean_text("안녕", "ko", "v1")  # v1 models have no Korean
    with pytest.raises(UnknownLanguageError):
        clean_text("bonjour", "fr", "v2")

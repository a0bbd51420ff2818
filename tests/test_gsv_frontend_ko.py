"""The Korean G2P (g2pk2's rules re-implemented offline) gives the reference's jamo phones (ko.jsonl)."""

from __future__ import annotations

from emotts.engines.gptsovits.text import korean

from gsv_fixtures import frontend_cases, needs_fixtures


@needs_fixtures
def test_ko_fixture_phones() -> None:
    cases = frontend_cases("ko")
    assert len(cases) == 20
    same, mismatches = 0, []
    for case in cases:
        norm = korean.normalize(case["text"])
        phones, word2ph = korean.g2p(norm)
        assert word2ph is None
        ok = norm == case["norm_text"] and phones == case["phones"]
        same += ok
        if not ok:
            mismatches.append((case["text"], "".join(phones), "".join(case["phones"])))
    print(f"ko identical: {same}/{len(cases)}")
    assert same / len(cases) >= 0.99, mismatches


def _jamo(text: str) -> str:
    return "".join(korean.g2p(text)[0])


def test_pronunciation_rules() -> None:
    assert _jamo("밟고") == "ㅂㅏㅂㄲㅗ."  # 10.1: 밟 before a consonant
    assert _jamo("넓다") == "ㄴㅓㄹㄸㅏ."
    assert _jamo("같이") == "ㄱㅏㅊㅣ."  # palatalisation
    assert _jamo("신라") == "ㅅㅣㄹㄹㅏ."  # ㄴ+ㄹ -> ㄹㄹ
    assert _jamo("의견란") == "ㅇㅡㅣㄱㅣㅓㄴㄴㅏㄴ."  # idiom table
    assert _jamo("AI 희망!") == "ㅇㅔㅇㅣㅇㅏㅇㅣ空ㅎㅣㅁㅏㅇ!"  # Latin spelled out, 空 for the space


def test_numbers_before_counters() -> None:
    assert _jamo("3개") == "ㅅㅔㄱㅐ."  # native numeral before a counter
    assert _jamo("3분") == "ㅅㅏㅁㅂㅜㄴ."  # Sino-Korean otherwise
    # g2pk2 replaces counted numbers in set order, so "3개" may clobber "13개" (hash-seed dependent there);
    # here the longer number always goes first
    assert _jamo("13개 3개") == "ㅇㅣㅓㄹㅅㅔㄱㅐ空ㅅㅔㄱㅐ."
    assert _jamo("10000원") == "ㅁㅏㄴㅜㅓㄴ."  # 만원, with liaison

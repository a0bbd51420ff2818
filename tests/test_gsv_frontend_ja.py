"""The Japanese G2P gives the reference's phones with pitch-accent marks (ja.jsonl, v2 and v1 tables)."""

from __future__ import annotations

from emotts.engines.gptsovits.text import japanese

from gsv_fixtures import frontend_cases, known_phones, needs_fixtures


@needs_fixtures
def test_ja_fixture_phones() -> None:
    cases = frontend_cases("ja")
    assert len(cases) == 96 and {c["version"] for c in cases} == {"v1", "v2"}
    known = known_phones()
    same, unk_checked, mismatches = 0, 0, []
    for case in cases:
        norm = japanese.normalize(case["text"])
        phones, word2ph = japanese.g2p(norm)
        assert word2ph is None
        expected = case["phones"]
        ok = norm == case["norm_text"] and len(phones) == len(expected)
        for got, exp in zip(phones, expected, strict=False):
            if exp == "UNK":
                ok = ok and got not in known[case["version"]]
                unk_checked += 1
            else:
                ok = ok and got == exp
        same += ok
        if not ok:
            mismatches.append((case["version"], case["text"], phones, expected))
    print(f"ja identical: {same}/{len(cases)}")
    assert unk_checked > 0  # the "#" phrase borders (and v1's "[" "]") are outside the symbol tables
    assert same / len(cases) >= 0.99, mismatches


def test_prosody_marks_and_punctuation() -> None:
    phones, _ = japanese.g2p("こんにちは。元気？")
    assert phones == [
        "k",
        "o",
        "[",
        "N",
        "n",
        "i",
        "ch",
        "i",
        "w",
        "a",
        ".",
        "g",
        "e",
        "]",
        "N",
        "k",
        "i",
        "?",
    ]
    # every character outside kana/kanji/Latin/digits is kept as a mark, spaces are dropped
    assert japanese.g2p("a b」")[0] == ["e", "]", "i", "b", "i", "]", "i", "」"]
    assert japanese.normalize("はい!!?…") == "はい!"


def test_user_dictionary_entry() -> None:
    # GPT-SoVITS' user dictionary reads 主殿 as アルジドノ with accent 3
    phones, _ = japanese.g2p("主殿")
    assert phones == ["a", "[", "r", "u", "j", "i", "]", "d", "o", "n", "o"]

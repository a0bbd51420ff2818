"""The English G2P gives the reference's normalised text and phones (en.jsonl, v2 and v1 tables)."""

from __future__ import annotations

from emotts.engines.gptsovits.text import english
from emotts.engines.gptsovits.text.en_normalize import normalize, number_to_words, year_words

from gsv_fixtures import frontend_cases, known_phones, needs_fixtures


def _same_phones(got: list[str], expected: list[str], known: set[str]) -> bool:
    return len(got) == len(expected) and all(
        g == e or (e == "UNK" and g not in known) for g, e in zip(got, expected, strict=True)
    )


@needs_fixtures
def test_en_fixture_phones() -> None:
    cases = frontend_cases("en")
    assert len(cases) == 160 and {c["version"] for c in cases} == {"v1", "v2"}
    known = known_phones()
    same, mismatches = 0, []
    for case in cases:
        norm = normalize(case["text"])
        phones, word2ph = english.g2p(norm)
        assert word2ph is None
        if len(phones) < 4:  # the cleaner's rule for short English
            phones = [",", *phones]
        ok = norm == case["norm_text"] and _same_phones(phones, case["phones"], known[case["version"]])
        same += ok
        if not ok:
            mismatches.append((case["version"], case["text"], norm, phones, case["phones"]))
    print(f"en identical: {same}/{len(cases)}")
    assert same / len(cases) >= 0.99, mismatches


def test_number_words_follow_inflect() -> None:
    assert number_to_words(1001, andword="") == "one thousand one"
    assert number_to_words(1001) == "one thousand and one"
    assert number_to_words(1234, andword="") == "one thousand, two hundred thirty-four"
    assert number_to_words(1000100) == "one million, one hundred"
    assert number_to_words("21st") == "twenty-first"
    assert number_to_words("112th") == "one hundred and twelfth"
    assert year_words(1905) == "nineteen oh five" and year_words(2024) == "twenty twenty-four"


def test_normalize_money_time_units() -> None:
    assert normalize("$1.05, 1/2 and 3/4") == "one dollar and five cents, one half and three fourths"
    assert normalize("At 13:00 I ran 5km.") == "At one o'clock p.m. I ran five kilometers."
    assert (
        normalize("It is 20°C; 3,500 people!!")
        == "It is twenty degrees celsius three thousand, five hundred people!"
    )
    assert normalize("In 2500 BC") == "In twenty-five hundred B C"
    # beyond inflect's decillions the reference raises; such numbers are read digit by digit
    assert normalize("1" + "0" * 36) == "one" + " zero" * 36


def test_tokens_and_lookups() -> None:
    assert english.tokenize("Open the R E A D M E.md file, dogs' toy...") == [
        *("Open", "the", "R", "E", "A", "D", "M", "E.md", "file", ","),
        *("dogs", "'", "toy", "..."),
    ]
    g2p = english.g2p
    assert g2p("A cat")[0] == ["EY1", "K", "AE1", "T"]
    assert g2p("read lead")[0] == ["R", "EH1", "D", "L", "EH1", "D"]  # homographs with the constant NN tag
    # Title-case names come from the name dictionary, other spellings go through the neural model
    assert g2p("Aaditya")[0] == ["AA0", "D", "IY1", "T", "Y", "AH0"]
    assert g2p("aaditya")[0] == ["EY1", "AH0", "D", "IH1", "T", "IY0", "AH0"]
    assert g2p("dogs'")[0] == ["D", "AA1", "G", "Z", "-"]
    # unknown compounds are split by wordsegment (zyxwv -> z y x w v, each spelled)
    assert g2p("blockchain-based")[0] == g2p("blockchain")[0] + g2p("based")[0]
    assert " ".join(g2p("zyxwv")[0]) == "Z IY1 W AY1 EH1 K S D AH1 B AH0 L Y UW0 V IY1"
    assert " ".join(g2p("Kubernetes")[0]) == "K UW1 B ER0 N EH1 T EH1 S"

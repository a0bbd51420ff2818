"""GPT-SoVITS Cantonese frontend: Chinese characters -> Jyutping initials and toned finals, offline.

Mirrors GPT-SoVITS ``text/cantonese.py`` (MIT): the text is normalised like Chinese (traditional ->
simplified characters, numbers, dates, units, ... spelled out) and reduced to CJK characters plus
``!?…,.-``; ToJyutping (BSD-2-Clause) gives one Jyutping syllable per character, which is split into an
initial and a final carrying the tone, both prefixed with "Y" so they never collide with Mandarin symbols
("nei5" -> "Yn", "Yei5"). word2ph is 2 per character and 1 per punctuation mark.
"""

from __future__ import annotations

import re

from emotts.errors import EmottsError

from .symbols import PUNCTUATION_MAP

__all__ = ["g2p", "normalize"]

_PUNCTUATION = ["!", "?", "…", ",", ".", "-"]
# Tried in this order; the first prefix of the toneless syllable wins (so "aai" is read as "aa" + "i").
_INITIALS = [
    "aa",
    "aai",
    "aak",
    "aap",
    "aat",
    "aau",
    "ai",
    "au",
    "ap",
    "at",
    "ak",
    "a",
    "p",
    "b",
    "e",
    "ts",
    "t",
    "dz",
    "d",
    "kw",
    "k",
    "gw",
    "g",
    "f",
    "h",
    "l",
    "m",
    "ng",
    "n",
    "s",
    "y",
    "w",
    "c",
    "z",
    "j",
    "ong",
    "on",
    "ou",
    "oi",
    "ok",
    "o",
    "uk",
    "ung",
    "sp",
    "spl",
    "spn",
    "sil",
]
_PUNCT_MAP = {
    **PUNCTUATION_MAP,
    "...": "…",
    "$": ".",
    "“": "'",
    "”": "'",
    '"': "'",
    "‘": "'",
    "’": "'",
    "（": "'",
    "）": "'",
    "(": "'",
    ")": "'",
    "《": "'",
    "》": "'",
    "【": "'",
    "】": "'",
    "[": "'",
    "]": "'",
    "—": "-",
    "～": "-",
    "~": "-",
    "「": "'",
    "」": "'",
}
_PUNCT_MAP_RE = re.compile("|".join(re.escape(p) for p in _PUNCT_MAP))
_NOT_KEPT_RE = re.compile(r"[^\u4e00-\u9fa5" + "".join(_PUNCTUATION) + r"]+")
_ALL_PUNCT_RE = re.compile(f"^[{re.escape(''.join(_PUNCTUATION))}]+$")
_JYUTPING_RE = re.compile(r"^([a-z]+[1-6]+[ ]?)+$")


class JyutpingError(EmottsError, ValueError):
    """A character has no Cantonese reading (the reference raises here too)."""


def _replace_punctuation(sentence: str) -> str:
    sentence = _PUNCT_MAP_RE.sub(lambda m: _PUNCT_MAP[m.group(0)], sentence)
    return _NOT_KEPT_RE.sub("", sentence)


def normalize(text: str) -> str:
    """Chinese text normalisation per sentence, then only CJK characters and ``!?…,.-`` are kept."""
    from .zh_normalize import normalize_sentences

    return "".join(_replace_punctuation(sentence) for sentence in normalize_sentences(text))


def _jyutping(text: str) -> list[str]:
    import ToJyutping

    syllables: list[str] = []
    for word, jyutping in ToJyutping.get_jyutping_list(text):
        if _ALL_PUNCT_RE.match(word):
            syllables.extend(word)
        elif jyutping is None or not _JYUTPING_RE.match(jyutping):
            raise JyutpingError(f"no Cantonese reading for {word!r}")
        else:
            syllables.append(jyutping)
    return syllables


def _split_syllable(syllable: str) -> tuple[str, str, int] | None:
    """(initial, final, tone) with GPT-SoVITS' table, or None when no initial matches."""
    try:
        tone = int(syllable[-1])
        bare = syllable[:-1]
    except ValueError:
        tone, bare = 0, syllable
    for initial in _INITIALS:
        if bare.startswith(initial):
            if bare.startswith("nga"):
                return bare[:2], bare[2:] or bare[-1], tone
            return initial, bare[len(initial) :] or initial[-1], tone
    return None


def g2p(norm_text: str) -> tuple[list[str], list[int]]:
    """Phones ("Y"+initial, "Y"+final+tone, or punctuation) and phones per character."""
    phones: list[str] = []
    word2ph: list[int] = []
    for syllable in _jyutping(norm_text):
        if syllable in _PUNCTUATION or syllable == "_":
            phones.append(syllable if syllable in _PUNCTUATION else "Y_")
            word2ph.append(1)
            continue
        parts = _split_syllable(syllable)
        if parts is None:  # the reference silently drops it (and then fails its length check)
            continue
        initial, final, tone = parts
        phones += ["Y" + initial, "Y" + (f"{final}{tone}" if tone != 0 else final)]
        word2ph.append(2)
    return phones, word2ph

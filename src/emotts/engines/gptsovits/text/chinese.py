"""Mandarin frontend of GPT-SoVITS: normalised Chinese text → initials and toned finals, with word2ph.

As the reference's `text/chinese2.py` (v2 and later) and `text/chinese.py` (v1, `erhua=False`): jieba
part-of-speech words, re-merged and tone-adjusted (`tone_sandhi`), pypinyin initials and `FINALS_TONE3`
finals, erhua merged into the previous syllable (v2+), then each syllable mapped to the opencpop-strict phone
pair (`data/pinyin_phones.json`); punctuation stays one phone. Latin letters are dropped (mixed text reaches
English through language segmentation instead).

With a `G2PW` model (v2+ only, as chinese2.py with `is_g2pw`), a word's readings are not pypinyin's of that
word: they are the word's slice of G2PW's readings of the whole sentence, corrected by its word overrides.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from pypinyin import Style, lazy_pinyin
from pypinyin.contrib.tone_convert import to_finals_tone3, to_initials

from .symbols import PUNCTUATION, PUNCTUATION_MAP
from .tone_sandhi import modified_tone, pre_merge
from .zh_normalize import normalize_sentences

if TYPE_CHECKING:
    from .g2pw import G2PW

__all__ = ["g2p", "g2p_v1", "normalize"]

DATA = Path(__file__).resolve().parent / "data"
_REPLACEMENTS = {**PUNCTUATION_MAP, "...": "…", "$": ".", "/": ",", "—": "-", "~": "…", "～": "…"}
_REPLACE_RE = re.compile("|".join(re.escape(p) for p in _REPLACEMENTS))
_PUNCT = "".join(PUNCTUATION)
_NOT_KEPT_RE = re.compile(rf"[^\u4e00-\u9fa5{re.escape(_PUNCT)}]+")
_REPEATED_PUNCT_RE = re.compile(rf"([{re.escape(_PUNCT)}])([{re.escape(_PUNCT)}])+")
_SENTENCE_RE = re.compile(rf"(?<=[{re.escape(_PUNCT)}])\s*")
# pypinyin spellings → the keys of the opencpop table
_FINAL_SPELLING = {"uei": "ui", "iou": "iu", "uen": "un"}
_ALONE = {"ing": "ying", "i": "yi", "in": "yin", "u": "wu"}
_ALONE_FIRST = {"v": "yu", "e": "e", "i": "y", "u": "w"}
_jieba_lock = threading.Lock()


@cache
def _pinyin_phones() -> dict[str, tuple[str, str]]:
    table = json.loads((DATA / "pinyin_phones.json").read_text(encoding="utf-8"))["map"]
    return {pinyin: tuple(phones.split(" ")) for pinyin, phones in table.items()}


@cache
def _erhua_words() -> tuple[frozenset[str], frozenset[str]]:
    data = json.loads((DATA / "zh_erhua.json").read_text(encoding="utf-8"))
    return frozenset(data["must_erhua"]), frozenset(data["not_erhua"])


def _replace_punctuation(text: str) -> str:
    text = text.replace("嗯", "恩").replace("呣", "母")
    return _NOT_KEPT_RE.sub("", _REPLACE_RE.sub(lambda m: _REPLACEMENTS[m.group()], text))


def normalize(text: str) -> str:
    """Numbers, dates, units… spelled out; only CJK characters and !?…,.- kept; repeated punctuation cut."""
    text = "".join(_replace_punctuation(sentence) for sentence in normalize_sentences(text))
    return _REPEATED_PUNCT_RE.sub(r"\1", text)


def _merge_erhua(initials: list[str], finals: list[str], word: str, pos: str) -> tuple[list[str], list[str]]:
    must, never = _erhua_words()
    if finals and word[len(finals) - 1 : len(finals)] == "儿" and finals[-1] == "er1":
        finals[-1] = "er2"
    if word not in must and (word in never or pos in {"a", "j", "nr"}):
        return initials, finals
    if len(finals) != len(word):
        return initials, finals
    new_finals: list[str] = []
    for i, final in enumerate(finals):
        last = i == len(finals) - 1
        if last and word[i] == "儿" and final in {"er2", "er5"} and word[-2:] not in never and new_finals:
            final = "er" + new_finals[-1][-1]
        new_finals.append(final)
    return initials, new_finals


def _cut(sentence: str) -> list[tuple[str, str]]:
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)  # not its dictionary-loading chatter on every start
    with _jieba_lock:  # jieba initialises its dictionary lazily and is not safe to race
        return [(pair.word, pair.flag) for pair in jieba.posseg.lcut(sentence)]


def _syllable_phones(initial: str, final: str) -> list[str]:
    if initial == final:  # punctuation
        return [initial]
    tone, bare = final[-1], final[:-1]
    pinyin = initial + bare
    if initial:
        pinyin = initial + _FINAL_SPELLING.get(bare, bare)
    elif pinyin in _ALONE:
        pinyin = _ALONE[pinyin]
    elif pinyin[0] in _ALONE_FIRST:
        pinyin = _ALONE_FIRST[pinyin[0]] + pinyin[1:]
    consonant, vowel = _pinyin_phones()[pinyin]
    return [consonant, vowel + tone]


def _word_syllables(word: str, readings: list[str] | None) -> tuple[list[str], list[str]]:
    """Initials and toned finals of one word: pypinyin's, or split from the given readings."""
    if readings is None:
        initials = lazy_pinyin(word, neutral_tone_with_five=True, style=Style.INITIALS)
        return initials, lazy_pinyin(word, neutral_tone_with_five=True, style=Style.FINALS_TONE3)
    letters = [r[0].isalpha() for r in readings]  # punctuation: its own initial and final
    return (
        [to_initials(r) if letter else r for r, letter in zip(readings, letters, strict=True)],
        [
            to_finals_tone3(r, neutral_tone_with_five=True) if letter else r
            for r, letter in zip(readings, letters, strict=True)
        ],
    )


def _g2p(text: str, erhua: bool, g2pw: G2PW | None = None) -> tuple[list[str], list[int]]:
    phones: list[str] = []
    word2ph: list[int] = []
    for sentence in (s for s in _SENTENCE_RE.split(text) if s.strip()):
        sentence = re.sub("[a-zA-Z]+", "", sentence)
        readings = g2pw.readings(sentence) if g2pw is not None and sentence else None
        initials: list[str] = []
        finals: list[str] = []
        start = 0
        for word, pos in pre_merge(_cut(sentence)):
            span = readings[start : start + len(word)] if readings is not None else None
            start += len(word)
            if pos == "eng":
                continue
            if g2pw is not None and span is not None:
                span = g2pw.word_readings(word, span)
            word_initials, word_finals = _word_syllables(word, span)
            word_finals = modified_tone(word, pos, word_finals)
            if erhua:
                word_initials, word_finals = _merge_erhua(word_initials, word_finals, word, pos)
            initials += word_initials
            finals += word_finals
        for initial, final in zip(initials, finals, strict=False):
            syllable = _syllable_phones(initial, final)
            phones += syllable
            word2ph.append(len(syllable))
    return phones, word2ph


def g2p(text: str, g2pw: G2PW | None = None) -> tuple[list[str], list[int]]:
    """v2+ phones and word2ph of normalised text; polyphones read by `g2pw` when given."""
    return _g2p(text, erhua=True, g2pw=g2pw)


def g2p_v1(text: str) -> tuple[list[str], list[int]]:
    """v1 (`text/chinese.py`): the same without erhua merging (and never G2PW)."""
    return _g2p(text, erhua=False)

"""A hand-written cue lexicon: prior knowledge of emotion words for the built-in classifier's features.

The data is `builtin_lexicon.json`: `cues` list per label the words, interjections, emoticons and
punctuation runs that show it, with a weight; `blockers` are words that only stop their parts from matching
(恐怕 is not 怕); `negators` (不, 没, not …) cancel the next cue or turn it into its opposite
(`negation_flips`); `degrees` (很, 太, so …) scale the next cue. Its scores reach cues and emoticons
that the training corpus has seldom or never seen.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from emotts.emotion.labels import EMOTIONS

_PATH = Path(__file__).with_name("builtin_lexicon.json")
_NEGATION_REACH = 3  # words (CJK characters or English words) from a negator to its cue: 并没有|觉得|开心
_DEGREE_REACH = 1  # 太开心, 非常地开心
_MAX_DEGREE = 2.0  # stacked degree words (真是太) saturate
_FLIP_FACTOR = 0.5  # 不开心 is sad, but less surely than 难过 is
_CLAUSE_BREAKS = frozenset(",.!?;:、。\n~")  # after NFKC; negation and degree do not reach across them
_LABEL_INDEX = {label: i for i, label in enumerate(EMOTIONS)}


def _normalize(text: str) -> str:
    # NFKC folds full-width forms (！→!, ～→~, Ｑ→Q, …→...) so the lexicon needs one spelling of each.
    return unicodedata.normalize("NFKC", text).replace("’", "'").lower()


def _is_letter(ch: str) -> bool:
    return "a" <= ch <= "z"


@dataclass(frozen=True)
class Lexicon:
    cues: Mapping[str, Mapping[str, float]]
    negators: frozenset[str]
    degrees: Mapping[str, float]
    negation_flips: Mapping[str, str]
    lengths: Mapping[str, tuple[int, ...]]  # first character → token lengths, longest first

    @staticmethod
    @cache
    def load(path: Path = _PATH) -> Lexicon:
        data = json.loads(path.read_text(encoding="utf-8"))
        cues: dict[str, dict[str, float]] = {_normalize(cue): {} for cue in data["blockers"]}
        for label, group in data["cues"].items():
            for cue, weight in group.items():
                cues.setdefault(_normalize(cue), {})[label] = weight
        negators = frozenset(_normalize(word) for word in data["negators"])
        degrees = {_normalize(word): factor for word, factor in data["degrees"].items()}
        flips: dict[str, str] = data["negation_flips"]
        used = {label for weights in cues.values() for label in weights} | set(flips) | set(flips.values())
        if used - set(EMOTIONS):
            raise ValueError(f"{path}: unknown labels {sorted(used - set(EMOTIONS))}")
        if (cues.keys() & negators) or (cues.keys() & degrees.keys()) or (negators & degrees.keys()):
            raise ValueError(f"{path}: a token is in more than one of cues, negators and degrees")
        lengths: dict[str, set[int]] = {}
        for token in (*cues, *negators, *degrees):
            lengths.setdefault(token[0], set()).add(len(token))
        longest_first = {ch: tuple(sorted(ns, reverse=True)) for ch, ns in lengths.items()}
        return Lexicon(cues, negators, degrees, flips, longest_first)

    def scores(self, text: str) -> list[float]:
        """The summed cue weight of each label (in EMOTIONS order) in `text`, after negation and degree."""
        text = _normalize(text)
        scores = [0.0] * len(EMOTIONS)
        words = 0  # words skipped so far: how far a pending negator or degree word has to reach
        negator_at: int | None = None
        degree_at: int | None = None
        degree = 1.0
        pos = 0
        while pos < len(text):
            if text[pos] in _CLAUSE_BREAKS:
                negator_at = degree_at = None
            token = self._match(text, pos)
            if token is None:
                words += not text[pos].isspace()
                pos = _word_end(text, pos)
                continue
            pos += len(token)
            if token in self.negators:
                negator_at = words
            elif token in self.degrees:
                stacked = degree if _reaches(degree_at, words, _DEGREE_REACH) else 1.0
                degree, degree_at = min(stacked * self.degrees[token], _MAX_DEGREE), words
            else:
                scale = degree if _reaches(degree_at, words, _DEGREE_REACH) else 1.0
                negated = _reaches(negator_at, words, _NEGATION_REACH)
                for label, weight in self.cues[token].items():
                    if not negated:
                        scores[_LABEL_INDEX[label]] += weight * scale
                    elif label in self.negation_flips:
                        scores[_LABEL_INDEX[self.negation_flips[label]]] += weight * scale * _FLIP_FACTOR
                negator_at = degree_at = None
        return scores

    def _match(self, text: str, pos: int) -> str | None:
        """The longest token at text[pos:]; English tokens only as whole words."""
        if pos > 0 and _is_letter(text[pos - 1]) and _is_letter(text[pos]):
            return None
        for length in self.lengths.get(text[pos], ()):
            token = text[pos : pos + length]
            end = pos + length
            if (token in self.cues or token in self.negators or token in self.degrees) and not (
                _is_letter(token[-1]) and end < len(text) and _is_letter(text[end])
            ):
                return token
        return None


def _reaches(at: int | None, words: int, reach: int) -> bool:
    return at is not None and words - at <= reach


def _word_end(text: str, pos: int) -> int:
    """End of the unmatched word at pos: a run of English letters, else one character."""
    end = pos + 1
    if _is_letter(text[pos]):
        while end < len(text) and _is_letter(text[end]):
            end += 1
    return end

"""Splitting a target text into synthesis segments, as the reference's TextPreprocessor does.

`cut(text, method)` is one of the reference's six split methods (cut0 … cut5); each returns the text with
"\\n" between segments. `pre_segment` is the whole pre-segmentation run before synthesis: collapse repeated
punctuation, guard a very short first clause, split, drop empty and punctuation-only lines, merge short
lines, close every line with end punctuation and cut lines longer than BERT's 510-token window.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import pairwise

from emotts.errors import EmottsError, UnknownChoiceError

# Characters that end a clause for `cut1`/`cut2`, the first-clause guard and the 510-char splitter.
SPLIT_PUNCTUATION: frozenset[str] = frozenset("，。？！,.?!~:：—…")
# A segment made only of these is dropped by cut0..cut4 ("punctuation" in the reference's split module).
_SKIPPABLE: frozenset[str] = frozenset("!?…,.- ")
# cut5 splits after each of these.
_CUT5_MARKS: frozenset[str] = frozenset(",.;?!、，。？！;：…")
# Repeated runs of these collapse to their first character before splitting.
_REPEATABLE = "!?…,.-"

BERT_MAX_CHARS = 510  # BERT's 512 positions minus [CLS] and [SEP]
_MIN_SEGMENT_CHARS = 5  # shorter lines are merged into the next one
_MIN_FIRST_CLAUSE_CHARS = 4  # a shorter first clause gets a leading "。" so the AR model does not mumble it


class UnknownSplitMethodError(UnknownChoiceError):
    kind = "text split method"
    keep_order = True


class NoSpeakableTextError(EmottsError, ValueError):
    """The text has nothing left to speak once split (only blanks or separators)."""

    def __init__(self) -> None:
        super().__init__("the text is empty after splitting; give some words to speak")


def replace_consecutive_punctuation(text: str) -> str:
    """Collapse runs of !?…,.- to their first character ("!!!" → "!", ",." → ",")."""
    marks = re.escape(_REPEATABLE)
    return re.sub(f"([{marks}])[{marks}]+", r"\1", text)


def _only(chars: frozenset[str], text: str) -> bool:
    return set(text) <= chars


def _clauses(text: str) -> list[str]:
    """Cut after every clause-ending mark; the text is first closed with "。" if it is open."""
    text = text.replace("……", "。").replace("——", "，")
    if text[-1] not in SPLIT_PUNCTUATION:
        text += "。"
    clauses, start = [], 0
    for i, char in enumerate(text):
        if char in SPLIT_PUNCTUATION:
            clauses.append(text[start : i + 1])
            start = i + 1
    return clauses


def cut0(text: str) -> str:
    """No split; a text of only blanks/separators becomes an empty line."""
    return "\n" if _only(_SKIPPABLE, text) else text


def cut1(text: str) -> str:
    """Groups of four clauses. Reference quirk: the last group boundary is dropped, so a text of fewer
    than nine clauses stays whole and the tail group absorbs the one before it."""
    text = text.strip("\n")
    if not text:
        return ""
    clauses = _clauses(text)
    starts: list[int | None] = list(range(0, len(clauses), 4))
    starts[-1] = None
    groups = ["".join(clauses[a:b]) for a, b in pairwise(starts)] if len(starts) > 1 else [text]
    return "\n".join(g for g in groups if not _only(_SKIPPABLE, g))


def cut2(text: str) -> str:
    """Groups of clauses longer than 50 characters; a short tail joins the group before it."""
    text = text.strip("\n")
    if not text:
        return ""
    clauses = _clauses(text)
    if len(clauses) < 2:
        return text
    groups, current = [], ""
    for clause in clauses:
        current += clause
        if len(current) > 50:
            groups.append(current)
            current = ""
    if current:
        groups.append(current)
    if len(groups) > 1 and len(groups[-1]) < 50:
        groups[-2:] = [groups[-2] + groups[-1]]
    return "\n".join(g for g in groups if not _only(_SKIPPABLE, g))


def cut3(text: str) -> str:
    """Split at the Chinese full stop "。" (which is removed)."""
    parts = text.strip("\n").strip("。").split("。")
    return "\n".join(p for p in parts if not _only(_SKIPPABLE, p))


def cut4(text: str) -> str:
    """Split at "." not between digits (the dot is removed)."""
    parts = re.split(r"(?<!\d)\.(?!\d)", text.strip("\n").strip("."))
    return "\n".join(p for p in parts if not _only(_SKIPPABLE, p))


def cut5(text: str) -> str:
    """Split after every punctuation mark, keeping decimal points ("3.5") inside their number."""
    text = text.strip("\n")
    parts, current = [], ""
    for i, char in enumerate(text):
        current += char
        decimal_point = char == "." and 0 < i < len(text) - 1 and (text[i - 1] + text[i + 1]).isdigit()
        if char in _CUT5_MARKS and not decimal_point:
            parts.append(current)
            current = ""
    if current:
        parts.append(current)
    return "\n".join(p for p in parts if not _only(_CUT5_MARKS, p))


METHODS: dict[str, Callable[[str], str]] = {
    "cut0": cut0,
    "cut1": cut1,
    "cut2": cut2,
    "cut3": cut3,
    "cut4": cut4,
    "cut5": cut5,
}


def get_method(method: str) -> Callable[[str], str]:
    try:
        return METHODS[method]
    except KeyError:
        raise UnknownSplitMethodError(method, METHODS) from None


def cut(text: str, method: str) -> str:
    """The bare split method: segments separated by "\\n"."""
    return get_method(method)(text)


def split_long(text: str, max_len: int = BERT_MAX_CHARS) -> list[str]:
    """Cut a line longer than `max_len` at clause marks into pieces of at most `max_len` (where possible)."""
    marks = "".join(sorted(SPLIT_PUNCTUATION))
    pieces, current = [], ""
    for part in re.split(f"([{re.escape(marks)}])", text):
        if len(current + part) > max_len:
            pieces.append(current)
            current = part
        else:
            current += part
    if current:
        pieces.append(current)
    return pieces


def _merge_short(lines: list[str], threshold: int) -> list[str]:
    """Concatenate lines until each reaches `threshold` characters; a short tail joins the last one."""
    if len(lines) < 2:
        return lines
    merged, current = [], ""
    for line in lines:
        current += line
        if len(current) >= threshold:
            merged.append(current)
            current = ""
    if current:
        if merged:
            merged[-1] += current
        else:
            merged.append(current)
    return merged


def _first_clause(text: str) -> str:
    return re.split(f"[{re.escape(''.join(sorted(SPLIT_PUNCTUATION)))}]", text)[0].strip()


def pre_segment(text: str, lang: str, method: str) -> list[str]:
    """The reference's pre-segmentation (TextPreprocessor.preprocess up to pre_seg_text): the segments
    to synthesise, in order. Collapsing repeated punctuation first is idempotent, so an already collapsed
    text gives the same result."""
    split = get_method(method)
    text = replace_consecutive_punctuation(text).strip("\n")
    if not text:
        return []
    stop = "." if lang == "en" else "。"
    if text[0] not in SPLIT_PUNCTUATION and len(_first_clause(text)) < _MIN_FIRST_CLAUSE_CHARS:
        text = stop + text
    text = split(text)
    while "\n\n" in text:
        text = text.replace("\n\n", "\n")
    lines = text.split("\n")
    if all(line in (" ", "") for line in lines):
        raise NoSpeakableTextError()
    lines = _merge_short([line for line in lines if line not in (" ", "")], _MIN_SEGMENT_CHARS)
    segments: list[str] = []
    for line in lines:
        if not line.strip() or not re.sub(r"\W+", "", line):
            continue  # blank or punctuation only
        if line[-1] not in SPLIT_PUNCTUATION:
            line += stop
        segments.extend(split_long(line) if len(line) > BERT_MAX_CHARS else [line])
    return segments

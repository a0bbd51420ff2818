"""Labelled sentences for training and evaluation, from JSON Lines or CSV with `text` and `label` fields.

A label is an id (0-14, as a number or a string), a label name or an alias (`angry`, `生气`). Every error
names the file and line, so a typo in line 3,207 is found at once.
"""

from __future__ import annotations

import csv
import json
import logging
import unicodedata
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from emotts.emotion.labels import EMOTIONS, parse_emotion
from emotts.errors import EmottsError

log = logging.getLogger(__name__)

MIN_EXAMPLES = 5  # per label: fewer cannot be spread over the folds and still say anything
_JSONL = (".jsonl", ".ndjson")
_DELIMITED = {".csv": ",", ".tsv": "\t"}


class DatasetError(EmottsError):
    """A data file is unusable; the message names the file (and line)."""


@dataclass(frozen=True)
class Example:
    text: str
    label: str  # one of EMOTIONS
    line: int  # where the example is in its file; augmented variants keep their line's


def text_key(text: str) -> str:
    """What makes two lines the same line for leakage: the text without punctuation, spaces, symbols or case.
    你好！ and 你好～ share a key, so they always land in the same fold."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(char for char in folded if unicodedata.category(char)[0] not in "PSZC")


def load_examples(path: Path) -> list[Example]:
    """Every example in `path` (.jsonl/.ndjson, .csv or .tsv, UTF-8); DatasetError on the first bad line."""
    suffix = path.suffix.lower()
    if suffix not in (*_JSONL, *_DELIMITED):
        raise DatasetError(f"{path}: unsupported file type {suffix!r}; use .jsonl or .csv (text and label)")
    if not path.is_file():
        raise DatasetError(f"{path}: file not found")
    rows = _jsonl_rows(path) if suffix in _JSONL else _delimited_rows(path, _DELIMITED[suffix])
    examples = [_example(path, line, row) for line, row in rows]
    if not examples:
        raise DatasetError(f"{path}: no examples")
    log.info("read %d examples from %s", len(examples), path)
    return examples


def label_counts(examples: Sequence[Example]) -> dict[str, int]:
    """Examples per label, in label order, labels without examples left out."""
    counts = Counter(example.label for example in examples)
    return {label: counts[label] for label in EMOTIONS if counts[label]}


def check_label_counts(examples: Sequence[Example], minimum: int = MIN_EXAMPLES) -> None:
    """DatasetError listing every label that has examples but fewer than `minimum`."""
    few = {label: count for label, count in label_counts(examples).items() if count < minimum}
    if few:
        listing = ", ".join(f"{label} ({count})" for label, count in few.items())
        raise DatasetError(
            f"labels with fewer than {minimum} examples: {listing}; add examples or remove these lines"
        )


def _jsonl_rows(path: Path) -> Iterator[tuple[int, Mapping[str, object]]]:
    with path.open(encoding="utf-8-sig") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DatasetError(f"{path}:{number}: invalid JSON: {exc.msg}") from exc
            if not isinstance(row, dict):
                raise DatasetError(f"{path}:{number}: expected an object with text and label")
            yield number, row


def _delimited_rows(path: Path, delimiter: str) -> Iterator[tuple[int, Mapping[str, object]]]:
    with path.open(encoding="utf-8-sig", newline="") as stream:  # -sig: spreadsheets write a BOM
        reader = csv.DictReader(stream, delimiter=delimiter)
        missing = [name for name in ("text", "label") if name not in (reader.fieldnames or [])]
        if missing:
            raise DatasetError(f"{path}:1: the header lacks the column(s) {', '.join(missing)}")
        for row in reader:
            yield reader.line_num, row


def _example(path: Path, line: int, row: Mapping[str, object]) -> Example:
    text, value = row.get("text"), row.get("label")
    if not isinstance(text, str) or not text.strip():
        raise DatasetError(f"{path}:{line}: 'text' must be a non-empty string, got {text!r}")
    label = _label(value)
    if label is None:
        raise DatasetError(
            f"{path}:{line}: unknown label {value!r}; use an id 0-14, a label ({', '.join(EMOTIONS)}) "
            "or its English name"
        )
    return Example(text.strip(), label, line)


def _label(value: object) -> str | None:
    if isinstance(value, bool):  # a JSON true is not id 1
        return None
    if isinstance(value, int):
        return EMOTIONS[value] if 0 <= value < len(EMOTIONS) else None
    return parse_emotion(value) if isinstance(value, str) else None

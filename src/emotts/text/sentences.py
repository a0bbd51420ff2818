"""Sentence splitting for Chinese, Japanese and English text: each sentence gets its own emotion decision."""

from __future__ import annotations

# A run of these ends a sentence; `.` and `~` only under the extra conditions in `_ends_sentence`.
_TERMINATORS = frozenset("。！？!?；…~～.")
_DOTS = frozenset(".")
_TILDES = frozenset("~～")
# Closing quotes/brackets right after a terminator belong to the sentence they close.
_CLOSERS = frozenset("」』”’）)】》")
_NEWLINES = frozenset("\r\n")


def speakable_length(text: str) -> int:
    """How many letters, digits and ideographs `text` has: what a TTS engine actually pronounces."""
    return sum(ch.isalnum() for ch in text)


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, stripped, in order; see `sentence_spans`."""
    return [text[start:end] for start, end in sentence_spans(text)]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, whitespace excluded.

    A sentence ends after a run of 。！？!?；…~～ (kept together: `！？`, `……`), after `.` followed by
    whitespace or the end (so `3.14` and `e.g.x` stay whole), and at a newline. Closing quotes and
    brackets stay with their sentence. A piece with nothing speakable (`……`, `(╯°□°)╯`) never stands
    alone: it joins the next sentence, or the previous one at the end of the text.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    speakable = False  # the current piece has a letter, digit or ideograph so far
    in_quote = False  # inside an ASCII "…" opened in the current piece: its `"` closes after a terminator
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in _NEWLINES:
            if speakable:
                _append(spans, text, start, i)
                start, speakable, in_quote = i + 1, False, False
            i += 1
        elif ch in _TERMINATORS:
            run_end = _skip(text, i, _TERMINATORS)
            end, still_open = _skip_closers(text, run_end, in_quote)
            if speakable and _ends_sentence(text, i, run_end, end):
                _append(spans, text, start, end)
                start, speakable, in_quote = end, False, False
            else:
                in_quote = still_open
            i = end
        else:
            speakable = speakable or ch.isalnum()
            if ch == '"':
                in_quote = not in_quote
            i += 1
    if speakable or not spans:
        _append(spans, text, start, len(text))
    else:
        _extend_last(spans, text, start)
    return spans


def _ends_sentence(text: str, run_start: int, run_end: int, end: int) -> bool:
    run = set(text[run_start:run_end])
    if run <= _DOTS:  # abbreviations and decimals have no space after the dot
        return end == len(text) or text[end].isspace()
    if run <= _TILDES:  # 3~5天 is a range, not a playful sentence end
        return not (run_start > 0 and text[run_start - 1].isdigit() and text[run_end : run_end + 1].isdigit())
    return True


def _skip(text: str, i: int, chars: frozenset[str]) -> int:
    while i < len(text) and text[i] in chars:
        i += 1
    return i


def _skip_closers(text: str, i: int, in_quote: bool) -> tuple[int, bool]:
    while i < len(text):
        if text[i] == '"' and in_quote:
            in_quote = False
        elif text[i] not in _CLOSERS:
            break
        i += 1
    return i, in_quote


def _append(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append((start, end))


def _extend_last(spans: list[tuple[int, int]], text: str, start: int) -> None:
    """Add the unspeakable tail text[start:] to the last sentence."""
    end = len(text)
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans[-1] = (spans[-1][0], end)

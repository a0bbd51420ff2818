"""Inline emotion tags that LLM prompts put in replies: `[开心]`, `(happy)`, `<joy>`, `[EMO:sad]`, AIRI's ACT.

A bracketed token is a tag only when its content names an emotion, so `(笑)`, `[1]` and `(see above)`
stay text. It counts only at a sentence boundary, i.e. with nothing speakable between it and the start
or end of a sentence: it then applies to the following sentences until the next tag, and a tag at the
very end of the text applies to the untagged sentences before it. Of adjacent tags, the last counts.
A tag in the middle of a sentence (`我(happy)很好`) is left in the text untouched: there it is as likely
to be content as a direction, and the sentence is judged as written.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace

from emotts.emotion.labels import parse_emotion
from emotts.text.sentences import sentence_spans, speakable_length

_BODY = r"[^\[\]()（）<>【】‹›«»\n]{1,40}"
_TAG_RE = re.compile(
    r"<\|ACT\s*:(?P<act>(?s:.*?))\|>"  # AIRI: <|ACT:{"emotion":{"name":"happy","intensity":1}}|>
    r"|<\|EMOTE_(?P<emote>\w+)\|>"  # older AIRI: <|EMOTE_HAPPY|>
    rf"|\[(?P<square>{_BODY})\]"
    rf"|[(（](?P<round>{_BODY})[)）]"
    rf"|<(?P<angle>{_BODY})>"
    rf"|【(?P<lenticular>{_BODY})】"
    rf"|‹(?P<chevron>{_BODY})›"
    rf"|«(?P<guillemet>{_BODY})»"
)
_PREFIX_RE = re.compile(r"(?:emo|emotion|情绪|情感|表情)\s*[:：=]\s*", re.IGNORECASE)


@dataclass(frozen=True)
class TaggedSentence:
    text: str  # the sentence with its boundary tags removed, stripped
    tag: str | None  # label of the tag in scope, or None


@dataclass(frozen=True)
class _Tag:
    start: int
    end: int
    label: str


def parse_tagged_text(text: str) -> list[TaggedSentence]:
    """The speakable sentences of `text`, each with the tag in scope; [] when only tags are left."""
    tags = _find_tags(text)
    # Tags become spaces of the same length: they neither join nor split sentences, and offsets still
    # point into `text`.
    masked = list(text)
    for tag in tags:
        masked[tag.start : tag.end] = " " * (tag.end - tag.start)
    masked_text = "".join(masked)

    sentences: list[TaggedSentence] = []
    current: str | None = None  # the tag in scope
    closing: str | None = None  # a tag after the last sentence's speakable text: opens the next one
    k = 0
    for start, end in sentence_spans(masked_text):
        if speakable_length(masked_text[start:end]) == 0:
            continue  # only when the whole text is unspeakable; its tags stay in scope
        if closing is not None:
            current, closing = closing, None
        cut: list[_Tag] = []  # boundary tags inside the span, removed from its text
        while k < len(tags) and tags[k].start < end:
            tag = tags[k]
            k += 1
            if speakable_length(masked_text[start : tag.start]) == 0:
                current = tag.label
            elif speakable_length(masked_text[tag.end : end]) == 0:
                closing = tag.label
            else:
                continue  # mid-sentence: stays text
            if tag.start >= start:
                cut.append(tag)
        sentences.append(TaggedSentence(_without(text, start, end, cut), current))
    for tag in tags[k:]:
        closing = tag.label
    if closing is not None:  # a tag at the very end: it covers the sentences no tag covers
        sentences = [s if s.tag is not None else replace(s, tag=closing) for s in sentences]
    return sentences


def _find_tags(text: str) -> list[_Tag]:
    tags: list[_Tag] = []
    for match in _TAG_RE.finditer(text):
        label = _label(match)
        if label is not None:
            tags.append(_Tag(match.start(), match.end(), label))
    return tags


def _label(match: re.Match[str]) -> str | None:
    kind, body = next((kind, body) for kind, body in match.groupdict().items() if body is not None)
    if kind == "act":
        return _act_label(body)
    body = body.strip()
    prefix = _PREFIX_RE.match(body)
    if prefix:
        return parse_emotion(body[prefix.end() :])  # [EMO:1] may be an id...
    return None if body.isdigit() else parse_emotion(body)  # ...but [1] is a footnote


def _act_label(payload: str) -> str | None:
    try:
        act = json.loads(payload)
    except ValueError:
        return None
    emotion = act.get("emotion") if isinstance(act, dict) else None
    if isinstance(emotion, dict):
        emotion = emotion.get("name")
    return parse_emotion(emotion) if isinstance(emotion, str) else None


def _without(text: str, start: int, end: int, cut: list[_Tag]) -> str:
    pieces: list[str] = []
    for tag in cut:
        pieces.append(text[start : tag.start].strip())
        start = tag.end
    pieces.append(text[start:end].strip())
    return "".join(pieces)

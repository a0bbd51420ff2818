"""The emotion of each sentence of a request: requested > tag > classifier > 中性."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Literal

from emotts.emotion.classifier import EmotionClassifier, EmotionResult
from emotts.emotion.labels import NEUTRAL, normalize_emotion
from emotts.emotion.tags import TaggedSentence, parse_tagged_text
from emotts.text.sentences import speakable_length

# Fragments this short (嗯。 啊！ Oh!) carry too little text to classify: they take a neighbour's emotion.
_FRAGMENT_LENGTH = 3


# Below this confidence a classifier's label is not trusted and the sentence is spoken 中性.
DEFAULT_THRESHOLD = 0.35


class EmotionSource(StrEnum):
    REQUEST = "request"  # the client asked for it
    TAG = "tag"  # an inline tag such as [开心]
    CLASSIFIER = "classifier"
    LOW_CONFIDENCE = "low_confidence"  # the classifier was unsure: 中性
    INHERITED = "inherited"  # a short fragment took its neighbour's emotion
    DEFAULT = "default"  # no classifier: 中性


@dataclass(frozen=True)
class SentenceEmotion:
    text: str  # what to speak: tags removed
    emotion: str  # one of EMOTIONS
    source: EmotionSource
    # What the classifier said about this sentence, None when it was not asked: the probability of its top
    # label (the one compared with the threshold) and of every label.
    confidence: float | None = None
    scores: dict[str, float] | None = None


def decide_emotions(
    text: str,
    *,
    requested: str | None = None,
    classifier: EmotionClassifier | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    mode: Literal["sentence", "whole"] | None = None,
) -> list[SentenceEmotion]:
    """One decision per sentence (mode "sentence", the default) or one for the whole text ("whole").

    `requested` (a label, id or alias; blank means none) beats tags, tags beat the classifier, and a
    classifier result below `threshold` gives 中性. All sentences needing the classifier go to it in one
    batch; classified fragments of ≤ 3 speakable characters then take a neighbour's emotion. In whole mode
    the tag of the first tagged sentence counts. [] means nothing is speakable.
    """
    if mode not in (None, "sentence", "whole"):
        raise ValueError(f"unknown emotion mode {mode!r}; valid modes: sentence, whole")
    forced = normalize_emotion(requested) if requested and requested.strip() else None
    sentences = parse_tagged_text(text)
    if sentences and mode == "whole":
        first_tag = next((s.tag for s in sentences if s.tag is not None), None)
        sentences = [TaggedSentence(_join(s.text for s in sentences), first_tag)]
    if forced is not None:
        return [SentenceEmotion(s.text, forced, EmotionSource.REQUEST) for s in sentences]
    results = iter(_classify(classifier, [s.text for s in sentences if s.tag is None]))
    decided: list[SentenceEmotion] = []
    for sentence in sentences:
        if sentence.tag is not None:
            decided.append(SentenceEmotion(sentence.text, sentence.tag, EmotionSource.TAG))
        elif classifier is None:
            decided.append(SentenceEmotion(sentence.text, NEUTRAL, EmotionSource.DEFAULT))
        else:
            decided.append(_from_result(sentence.text, next(results), threshold))
    return _inherit_for_fragments(decided)


def _classify(classifier: EmotionClassifier | None, texts: list[str]) -> list[EmotionResult]:
    """One batch for all texts; [] without a classifier or texts."""
    if classifier is None or not texts:
        return []
    results = classifier.classify(texts)
    if len(results) != len(texts):
        raise ValueError(f"classifier {classifier.name!r} gave {len(results)} results for {len(texts)} texts")
    return results


def _from_result(text: str, result: EmotionResult, threshold: float) -> SentenceEmotion:
    confident = result.confidence >= threshold
    return SentenceEmotion(
        text,
        result.label if confident else NEUTRAL,
        EmotionSource.CLASSIFIER if confident else EmotionSource.LOW_CONFIDENCE,
        result.confidence,
        result.scores,
    )


def _is_fragment(sentence: SentenceEmotion) -> bool:
    classified = sentence.source in (EmotionSource.CLASSIFIER, EmotionSource.LOW_CONFIDENCE)
    return classified and speakable_length(sentence.text) <= _FRAGMENT_LENGTH


def _inherit_for_fragments(decided: list[SentenceEmotion]) -> list[SentenceEmotion]:
    """Each classified fragment takes the emotion of the next full sentence, or else of the previous one."""
    anchors = [i for i, sentence in enumerate(decided) if not _is_fragment(sentence)]
    if not anchors:
        return decided  # nothing but fragments: their own results are all there is
    inherited: list[SentenceEmotion] = []
    for i, sentence in enumerate(decided):
        if _is_fragment(sentence):
            nxt = bisect.bisect(anchors, i)
            anchor = decided[anchors[nxt] if nxt < len(anchors) else anchors[-1]]
            sentence = replace(sentence, emotion=anchor.emotion, source=EmotionSource.INHERITED)
        inherited.append(sentence)
    return inherited


def _join(texts: Iterable[str]) -> str:
    """Sentences back into one text: CJK needs no separator, English a space."""
    joined = ""
    for text in texts:
        joined += (" " + text) if joined and joined[-1].isascii() else text
    return joined

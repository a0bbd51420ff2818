"""Text → emotion: labels, inline tags, classifiers and the per-sentence decision."""

from emotts.emotion.builtin import BuiltinClassifier
from emotts.emotion.decide import EmotionSource, SentenceEmotion, decide_emotions
from emotts.emotion.labels import EMOTIONS, ENGLISH, NEUTRAL, normalize_emotion, parse_emotion
from emotts.emotion.tags import TaggedSentence, parse_tagged_text

__all__ = [
    "EMOTIONS",
    "ENGLISH",
    "NEUTRAL",
    "BuiltinClassifier",
    "EmotionSource",
    "SentenceEmotion",
    "TaggedSentence",
    "decide_emotions",
    "normalize_emotion",
    "parse_emotion",
    "parse_tagged_text",
]

"""Text → emotion: labels, inline tags, classifiers and the per-sentence decision."""

from emotts.emotion.labels import EMOTIONS, ENGLISH, NEUTRAL, normalize_emotion, parse_emotion

__all__ = ["EMOTIONS", "ENGLISH", "NEUTRAL", "normalize_emotion", "parse_emotion"]

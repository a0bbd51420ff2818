"""The classifier interface shared by the built-in classifier and per-role BERT models."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class EmotionResult:
    label: str  # one of EMOTIONS
    confidence: float  # probability of `label`
    scores: dict[str, float]  # probability of every label, summing to ~1


class EmotionClassifier(Protocol):
    name: str

    def classify(self, texts: Sequence[str]) -> list[EmotionResult]:
        """One result per text, in order."""
        ...

"""How well a classifier labels a data set: its label (or the label a role speaks) against the file's."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.progress import track

from emotts.emotion.classifier import EmotionClassifier
from emotts.emotion.labels import NEUTRAL
from emotts.emotion.metrics import ClassificationReport, classification_report
from emotts.emotion.training.dataset import Example

_CHUNK = 256  # lines per classify call: big enough for batching, small enough for a moving progress bar


def evaluate(
    classifier: EmotionClassifier, examples: Sequence[Example], threshold: float | None = None
) -> ClassificationReport:
    """The classifier's report on `examples`. Without `threshold`, 中性 is only what the classifier itself
    says; with it, a line whose confidence is below it counts as 中性, as a role would speak it. The
    progress bar goes to stderr, leaving stdout to the report."""
    predicted: list[str] = []
    chunks = range(0, len(examples), _CHUNK)
    for start in track(chunks, description="classifying", console=Console(stderr=True), transient=True):
        texts = [example.text for example in examples[start : start + _CHUNK]]
        predicted += [
            NEUTRAL if threshold is not None and result.confidence < threshold else result.label
            for result in classifier.classify(texts)
        ]
    return classification_report([example.label for example in examples], predicted)

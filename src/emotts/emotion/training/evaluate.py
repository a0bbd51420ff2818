"""How well a classifier labels a data set: its top label for each line against the file's label."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.progress import track

from emotts.emotion.classifier import EmotionClassifier
from emotts.emotion.metrics import ClassificationReport, classification_report
from emotts.emotion.training.dataset import Example

_CHUNK = 256  # lines per classify call: big enough for batching, small enough for a moving progress bar


def evaluate(classifier: EmotionClassifier, examples: Sequence[Example]) -> ClassificationReport:
    """The classifier's report on `examples`; no threshold, so 中性 is only what the classifier itself says.
    The progress bar goes to stderr, leaving stdout to the report."""
    predicted: list[str] = []
    chunks = range(0, len(examples), _CHUNK)
    for start in track(chunks, description="classifying", console=Console(stderr=True), transient=True):
        texts = [example.text for example in examples[start : start + _CHUNK]]
        predicted += [result.label for result in classifier.classify(texts)]
    return classification_report([example.label for example in examples], predicted)

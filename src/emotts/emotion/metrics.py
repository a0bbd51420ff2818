"""Classification metrics for emotion models, and their tables: one report shape for every evaluator."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from rich.console import Console
from rich.table import Table

from emotts.emotion.labels import EMOTIONS


@dataclass(frozen=True)
class ClassificationReport:
    labels: tuple[str, ...]
    n: int
    accuracy: float
    macro_f1: float
    weighted_f1: float
    precision: dict[str, float]
    recall: dict[str, float]
    f1: dict[str, float]
    support: dict[str, int]
    confusion: list[list[int]]  # rows: true label, columns: predicted label, both in `labels` order

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator else 0.0


def classification_report(
    true: Sequence[str], predicted: Sequence[str], labels: Sequence[str] = EMOTIONS
) -> ClassificationReport:
    """Accuracy, per-label precision/recall/F1, macro and support-weighted F1 and the confusion matrix.

    Macro-F1 averages over the labels that occur in `true` or `predicted`, so an absent label does not
    count as a zero."""
    if len(true) != len(predicted):
        raise ValueError(f"{len(true)} true labels but {len(predicted)} predictions")
    index = {label: i for i, label in enumerate(labels)}
    unknown = sorted({label for label in (*true, *predicted) if label not in index})
    if unknown:
        raise ValueError(f"labels not in the label set: {', '.join(unknown)}")
    confusion = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for t, p in zip(true, predicted, strict=True):
        confusion[index[t], index[p]] += 1
    hits = np.diag(confusion)
    support = confusion.sum(axis=1)
    predicted_count = confusion.sum(axis=0)
    precision = {label: _ratio(hits[i], predicted_count[i]) for i, label in enumerate(labels)}
    recall = {label: _ratio(hits[i], support[i]) for i, label in enumerate(labels)}
    f1 = {
        label: _ratio(2 * precision[label] * recall[label], precision[label] + recall[label])
        for label in labels
    }
    present = [i for i, label in enumerate(labels) if support[i] or predicted_count[i]]
    n = int(support.sum())
    return ClassificationReport(
        labels=tuple(labels),
        n=n,
        accuracy=_ratio(hits.sum(), n),
        macro_f1=float(np.mean([f1[labels[i]] for i in present])) if present else 0.0,
        weighted_f1=_ratio(sum(f1[label] * support[i] for i, label in enumerate(labels)), n),
        precision=precision,
        recall=recall,
        f1=f1,
        support={label: int(support[i]) for i, label in enumerate(labels)},
        confusion=confusion.tolist(),
    )


def print_report(report: ClassificationReport, console: Console, title: str = "") -> None:
    """Summary, per-label and confusion-matrix tables."""
    summary = Table(title=title or None)
    for column in ("n", "accuracy", "macro-F1", "weighted-F1"):
        summary.add_column(column, justify="right")
    summary.add_row(
        str(report.n), f"{report.accuracy:.3f}", f"{report.macro_f1:.3f}", f"{report.weighted_f1:.3f}"
    )
    console.print(summary)

    per_label = Table("label", "precision", "recall", "F1", "support")
    for label in report.labels:
        if report.support[label] or any(row[report.labels.index(label)] for row in report.confusion):
            per_label.add_row(
                label,
                f"{report.precision[label]:.3f}",
                f"{report.recall[label]:.3f}",
                f"{report.f1[label]:.3f}",
                str(report.support[label]),
            )
    console.print(per_label)

    matrix = Table("true \\ predicted", *report.labels, title="confusion matrix")
    for label, row in zip(report.labels, report.confusion, strict=True):
        matrix.add_row(label, *(str(count) if count else "·" for count in row))
    console.print(matrix)


def markdown_confusion(report: ClassificationReport) -> str:
    """The confusion matrix as a Markdown table, for docs."""
    lines = [
        "| true \\ predicted | " + " | ".join(report.labels) + " |",
        "|---" * (len(report.labels) + 1) + "|",
    ]
    for label, row in zip(report.labels, report.confusion, strict=True):
        lines.append(f"| {label} | " + " | ".join(str(count) if count else "·" for count in row) + " |")
    return "\n".join(lines)

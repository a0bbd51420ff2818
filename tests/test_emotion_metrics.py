"""Classification metrics against hand-computed values."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from emotts.emotion.metrics import classification_report, markdown_confusion, print_report


def test_metrics_match_hand_computed_values() -> None:
    true = ["a", "a", "a", "b", "b", "c"]
    predicted = ["a", "a", "b", "b", "c", "c"]
    report = classification_report(true, predicted, labels=("a", "b", "c"))
    assert report.n == 6 and report.accuracy == pytest.approx(4 / 6)
    assert report.precision == pytest.approx({"a": 1.0, "b": 0.5, "c": 0.5})
    assert report.recall == pytest.approx({"a": 2 / 3, "b": 0.5, "c": 1.0})
    f1 = {"a": 0.8, "b": 0.5, "c": 2 / 3}
    assert report.f1 == pytest.approx(f1)
    assert report.macro_f1 == pytest.approx(sum(f1.values()) / 3)
    assert report.weighted_f1 == pytest.approx((0.8 * 3 + 0.5 * 2 + 2 / 3) / 6)
    assert report.confusion == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]


def test_absent_labels_do_not_drag_macro_f1_down() -> None:
    report = classification_report(["a", "b"], ["a", "b"], labels=("a", "b", "c"))
    assert report.macro_f1 == 1.0


def test_unknown_labels_and_length_mismatch_are_errors() -> None:
    with pytest.raises(ValueError, match="not in the label set: z"):
        classification_report(["a"], ["z"], labels=("a",))
    with pytest.raises(ValueError, match="1 true labels but 2 predictions"):
        classification_report(["a"], ["a", "a"], labels=("a",))


def test_tables_show_the_numbers() -> None:
    report = classification_report(["高兴", "悲伤"], ["高兴", "高兴"])
    out = io.StringIO()
    print_report(report, Console(file=out, width=300), title="held-out")
    text = out.getvalue()
    assert "held-out" in text and "0.500" in text and "confusion matrix" in text
    assert markdown_confusion(report).splitlines()[2].startswith("| 高兴 | 1 |")

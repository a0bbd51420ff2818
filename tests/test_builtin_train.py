"""Training the built-in classifier: folds, calibration, and a tiny corpus trained end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from rich.console import Console

from emotts.emotion.builtin import BuiltinClassifier, LinearModel, softmax
from emotts.emotion.builtin_train import (
    Candidate,
    LinearSpec,
    fit_temperature,
    main,
    train,
)
from emotts.emotion.features import FeatureSpec
from emotts.emotion.labels import EMOTIONS

CORPUS = Path(__file__).resolve().parents[1] / "data" / "emotion" / "train.jsonl"


def test_temperature_undoes_overconfidence() -> None:
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((4000, len(EMOTIONS))) * 2
    labels = np.array([rng.choice(len(EMOTIONS), p=row) for row in softmax(logits)])  # calibrated at T=1
    assert fit_temperature(3 * logits, labels) == pytest.approx(3, rel=0.1)


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")


def test_a_tiny_corpus_trains_end_to_end(tmp_path: Path) -> None:
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    per_label = {label: [row for row in rows if row["label"] == label][:8] for label in EMOTIONS}
    _write(tmp_path / "train.jsonl", [row for kept in per_label.values() for row in kept[:6]])
    _write(tmp_path / "test.jsonl", [row for kept in per_label.values() for row in kept[6:]])
    candidates = [
        Candidate("SVM, n-grams only", FeatureSpec(lexicon_weight=0), LinearSpec("squared_hinge", steps=60)),
        Candidate("logistic", FeatureSpec(), LinearSpec(steps=60)),
    ]
    out = tmp_path / "model.npz"

    selection, evaluation = train(tmp_path, out, candidates, k=2, console=Console(quiet=True))

    assert set(selection.reports) == {"SVM, n-grams only", "logistic"} and selection.chosen in candidates
    assert selection.temperature > 0 and 0 <= selection.low_confidence <= 1
    assert evaluation is not None and evaluation.report.n == 2 * len(EMOTIONS)
    results = BuiltinClassifier(LinearModel.load(out)).classify(["气死我了！", "明天上午十点开会。"])
    assert [list(result.scores) for result in results] == [list(EMOTIONS)] * 2
    assert all(sum(result.scores.values()) == pytest.approx(1.0) for result in results)


def test_the_command_trains_a_tiny_corpus(tmp_path: Path) -> None:
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    _write(
        tmp_path / "train.jsonl", [row for label in EMOTIONS for row in rows if row["label"] == label][::40]
    )
    out = tmp_path / "model.npz"

    result = CliRunner().invoke(main, [str(tmp_path), "--out", str(out), "--folds", "2", "--skip-test"])

    assert result.exit_code == 0, result.output
    assert "cross-validation on train.jsonl" in result.output and not (tmp_path / "test.jsonl").exists()
    model = LinearModel.load(out)
    assert model.probabilities(["气死我了！"]).shape == (1, len(EMOTIONS)) and model.temperature > 0


def test_the_command_explains_itself() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0 and "DATA_DIR" in result.output and "--skip-test" in result.output

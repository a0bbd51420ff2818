"""Train the built-in classifier: cross-validated model selection, calibration and the shipped weights.

    python -m emotts.emotion.builtin_train data/emotion

reads data/emotion/train.jsonl, scores every candidate in CANDIDATES by stratified 5-fold cross-validation
(the folds BERT training uses), keeps the best by macro-F1, fits a softmax temperature on its out-of-fold
logits, trains it on all of train.jsonl, writes the weights and evaluates the written model once on
data/emotion/test.jsonl. Nothing before that last step reads test.jsonl. Plain numpy: no torch, no
scikit-learn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import click
import numpy as np
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from emotts.emotion.builtin import MODEL_PATH, BuiltinClassifier, LinearModel, softmax
from emotts.emotion.decide import DEFAULT_THRESHOLD
from emotts.emotion.features import FeatureSpec, Featurizer, SparseRows
from emotts.emotion.labels import EMOTIONS
from emotts.emotion.metrics import ClassificationReport, classification_report, print_report
from emotts.emotion.training.dataset import DatasetError, Example, load_examples
from emotts.emotion.training.evaluate import evaluate
from emotts.emotion.training.split import stratified_folds


@dataclass(frozen=True)
class LinearSpec:
    # softmax: multinomial logistic regression; squared_hinge: a one-vs-rest linear SVM
    loss: Literal["softmax", "squared_hinge"] = "softmax"
    l2: float = 1e-5  # weight decay per training line
    steps: int = 300  # full-batch Adam steps; the loss has flattened by then
    learning_rate: float = 0.2


@dataclass(frozen=True)
class Candidate:
    name: str
    features: FeatureSpec
    model: LinearSpec


_FULL = FeatureSpec()
_EVERY_NGRAM = replace(_FULL, min_count=1)

# The contenders on the 42k-line corpus. Earlier rounds compared each feature idea and model family once
# (naive Bayes, n-grams alone, + negation, + lexicon, 1-3-grams, logistic vs SVM; docs/emotion-classifier.md):
# the lexicon features and the SVM won. With four times the lines, n-grams seen in one line only and a
# weaker l2 penalty help, so those are what is compared now.
CANDIDATES: tuple[Candidate, ...] = (
    Candidate(
        "linear SVM, l2 1e-4, n-grams in ≥ 2 lines",
        _FULL,
        LinearSpec("squared_hinge", 1e-4, learning_rate=0.1),
    ),
    Candidate(
        "linear SVM, l2 2e-5, every n-gram",
        _EVERY_NGRAM,
        LinearSpec("squared_hinge", 2e-5, learning_rate=0.1),
    ),
    Candidate(
        "linear SVM, l2 1e-5, every n-gram",
        _EVERY_NGRAM,
        LinearSpec("squared_hinge", 1e-5, learning_rate=0.1),
    ),
    Candidate("logistic, l2 3e-6, every n-gram", _EVERY_NGRAM, LinearSpec(l2=3e-6, steps=500)),
)


def fit(
    texts: Sequence[str], labels: np.ndarray, candidate: Candidate, temperature: float = 1.0
) -> LinearModel:
    """The candidate trained on `texts` (label ids in `labels`)."""
    featurizer = Featurizer.fit(texts, candidate.features)
    features = featurizer.transform(texts)
    weights, bias = _fit_linear(features, labels, candidate.model)
    return LinearModel(featurizer, weights, bias, temperature)


def _fit_linear(features: SparseRows, labels: np.ndarray, spec: LinearSpec) -> tuple[np.ndarray, np.ndarray]:
    """Weights and bias minimising the mean loss + l2/2·|W|², by full-batch Adam."""
    n = features.n_rows
    transposed = features.transpose()
    onehot = np.eye(len(EMOTIONS), dtype=np.float32)[labels]
    params = [np.zeros((features.n_columns, len(EMOTIONS)), np.float32), np.zeros(len(EMOTIONS), np.float32)]
    moments = [np.zeros_like(p) for p in params]
    squares = [np.zeros_like(p) for p in params]
    beta1, beta2 = 0.9, 0.999
    for step in range(1, spec.steps + 1):
        weights, bias = params
        logits = features.dot(weights) + bias
        if spec.loss == "softmax":
            grad_logits = (softmax(logits) - onehot) / n
        else:
            signs = 2 * onehot - 1
            grad_logits = -2 * signs * np.maximum(0, 1 - signs * logits) / n
        grads = [transposed.dot(grad_logits) + spec.l2 * weights, grad_logits.sum(axis=0)]
        for param, grad, moment, square in zip(params, grads, moments, squares, strict=True):
            moment[:] = beta1 * moment + (1 - beta1) * grad
            square[:] = beta2 * square + (1 - beta2) * grad * grad
            corrected = moment / (1 - beta1**step)
            param -= spec.learning_rate * corrected / (np.sqrt(square / (1 - beta2**step)) + 1e-8)
    return params[0], params[1]


def out_of_fold_logits(
    texts: Sequence[str], labels: np.ndarray, candidate: Candidate, folds: list[list[int]], progress: Progress
) -> np.ndarray:
    """Every line's logits from the model trained on the other folds."""
    logits = np.zeros((len(texts), len(EMOTIONS)), np.float32)
    task = progress.add_task(candidate.name, total=len(folds))
    for held in folds:
        kept = np.setdiff1d(np.arange(len(texts)), held)
        model = fit([texts[i] for i in kept], labels[kept], candidate)
        logits[held] = model.logits([texts[i] for i in held])
        progress.advance(task)
    return logits


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature that minimises the negative log-likelihood of the true labels (grid search)."""
    temperatures = np.geomspace(0.05, 20, 300)
    rows = np.arange(len(labels))
    nll = [-np.log(softmax(logits / t)[rows, labels] + 1e-12).mean() for t in temperatures]
    return float(temperatures[int(np.argmin(nll))])


@dataclass(frozen=True)
class Selection:
    reports: dict[str, ClassificationReport]  # candidate name → its out-of-fold report
    chosen: Candidate  # the best by out-of-fold macro-F1
    temperature: float  # fitted on the chosen candidate's out-of-fold logits
    low_confidence: float  # share of out-of-fold lines whose calibrated confidence is below the threshold


@dataclass(frozen=True)
class Evaluation:
    report: ClassificationReport
    low_confidence: float  # share of lines whose confidence is below the threshold


def _names(ids: np.ndarray) -> list[str]:
    return [EMOTIONS[i] for i in ids]


def select(
    examples: Sequence[Example], candidates: Sequence[Candidate], k: int, console: Console
) -> Selection:
    """Every candidate scored by stratified k-fold cross-validation; the best one calibrated."""
    texts = [example.text for example in examples]
    labels = np.array([EMOTIONS.index(example.label) for example in examples])
    folds = stratified_folds(examples, k, seed=0)
    reports: dict[str, ClassificationReport] = {}
    logits: dict[str, np.ndarray] = {}
    with Progress(console=console, transient=True) as progress:
        for candidate in candidates:
            logits[candidate.name] = out_of_fold_logits(texts, labels, candidate, folds, progress)
            predicted = logits[candidate.name].argmax(axis=1)
            reports[candidate.name] = classification_report(_names(labels), _names(predicted))
    chosen = max(candidates, key=lambda c: reports[c.name].macro_f1)  # the first of equals
    temperature = fit_temperature(logits[chosen.name], labels)
    confidence = softmax(logits[chosen.name] / temperature).max(axis=1)
    return Selection(reports, chosen, temperature, float(np.mean(confidence < DEFAULT_THRESHOLD)))


def train(
    data_dir: Path,
    out: Path,
    candidates: Sequence[Candidate] = CANDIDATES,
    k: int = 5,
    evaluate_test: bool = True,
    console: Console | None = None,
) -> tuple[Selection, Evaluation | None]:
    """Select and calibrate on train.jsonl, train on all of it, write `out`; then evaluate what was written
    on test.jsonl (unless `evaluate_test` is False)."""
    console = console or Console()
    examples = load_examples(data_dir / "train.jsonl")
    selection = select(examples, candidates, k, console)
    _print_selection(selection, console)

    labels = np.array([EMOTIONS.index(example.label) for example in examples])
    model = fit([example.text for example in examples], labels, selection.chosen, selection.temperature)
    model.save(out)
    console.print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB)")
    if not evaluate_test:
        return selection, None
    test, written = load_examples(data_dir / "test.jsonl"), LinearModel.load(out)
    report = evaluate(BuiltinClassifier(written), test)
    confidence = written.probabilities([example.text for example in test]).max(axis=1)
    evaluation = Evaluation(report, float(np.mean(confidence < DEFAULT_THRESHOLD)))
    print_report(report, console, title=f"held-out {data_dir / 'test.jsonl'}")
    low = evaluation.low_confidence
    console.print(f"held-out lines below the {DEFAULT_THRESHOLD} confidence threshold: {low:.1%}")
    return selection, evaluation


def _print_selection(selection: Selection, console: Console) -> None:
    table = Table("candidate", "accuracy", "macro-F1", title="cross-validation on train.jsonl")
    for name, report in selection.reports.items():
        marker = " ←" if name == selection.chosen.name else ""
        table.add_row(name + marker, f"{report.accuracy:.3f}", f"{report.macro_f1:.3f}")
    console.print(table)
    print_report(selection.reports[selection.chosen.name], console, title="the chosen one, out of fold")
    console.print(
        f"temperature {selection.temperature:.2f}; out-of-fold lines below the {DEFAULT_THRESHOLD} "
        f"confidence threshold: {selection.low_confidence:.1%}"
    )


@click.command()
@click.argument("data_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), default=MODEL_PATH, show_default=True,
    help="where to write the weights",
)  # fmt: skip
@click.option("--folds", "k", default=5, show_default=True, help="cross-validation folds")
@click.option("--skip-test", is_flag=True, help="do not evaluate on test.jsonl (while trying out changes)")
def main(data_dir: Path, out: Path, k: int, skip_test: bool) -> None:
    """Train the built-in emotion classifier on DATA_DIR/train.jsonl, evaluate it on DATA_DIR/test.jsonl."""
    try:
        train(data_dir, out, k=k, evaluate_test=not skip_test)
    except DatasetError as exc:
        raise click.ClickException(str(exc)) from exc


if __name__ == "__main__":
    main()

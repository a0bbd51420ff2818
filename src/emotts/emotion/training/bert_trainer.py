"""Fine-tuning a BERT model into a role's emotion classifier: cross-validation, then one fit on all the data.

Plain PyTorch: AdamW with linear warm-up and decay, gradient clipping, early stopping on validation macro-F1.
Every fold starts from the same weights (copies of one load of the base model, with one seeded head), trains
on the augmented lines of the other folds and is scored on its own lines, untouched. The final model trains
on all the lines, augmented, for the folds' mean best epoch count, and is saved with the label names in its
config.json, ready to be a role's `BERT/` folder.
"""

from __future__ import annotations

import copy
import json
import logging
import math
import random
import statistics
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from emotts import __version__
from emotts.emotion.bert import missing_model_files, pick_device, tokenize
from emotts.emotion.labels import EMOTIONS, emotion_id
from emotts.emotion.metrics import ClassificationReport, classification_report
from emotts.emotion.training.augment import augment
from emotts.emotion.training.dataset import Example, check_label_counts, label_counts, load_examples
from emotts.emotion.training.settings import TrainSettings
from emotts.emotion.training.split import cross_validation_folds
from emotts.errors import EmottsError

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

log = logging.getLogger(__name__)

METRICS_FILE = "model_config.json"
SUMMARY_METRICS = ("accuracy", "macro_f1", "weighted_f1")  # averaged over the folds
_EVAL_BATCH = 64


class TrainingError(EmottsError):
    """Training cannot start, e.g. the base model folder lacks files."""


@dataclass(frozen=True)
class FoldResult:
    fold: int  # from 1
    best_epoch: int  # the epoch with the best validation macro-F1 (from 1)
    epochs_run: int
    train_size: int  # training lines after augmentation
    report: ClassificationReport  # the validation fold at the best epoch
    true: tuple[str, ...]
    predicted: tuple[str, ...]


@dataclass(frozen=True)
class TrainingResult:
    folds: tuple[FoldResult, ...]
    out_of_fold: ClassificationReport  # every validation line, each predicted by the fold that held it out
    final_epochs: int
    out: Path

    def mean(self, metric: str) -> float:
        """The folds' mean of one of SUMMARY_METRICS."""
        return statistics.fmean(getattr(fold.report, metric) for fold in self.folds)

    def stdev(self, metric: str) -> float:
        return statistics.pstdev(getattr(fold.report, metric) for fold in self.folds)


@dataclass(frozen=True)
class _Run:
    model: PreTrainedModel
    best_epoch: int
    epochs_run: int
    predicted: tuple[str, ...]  # of the validation lines at the best epoch; () without validation


def train_emotion_model(
    data: Path,
    base_model: Path,
    out: Path,
    settings: TrainSettings | None = None,
    on_fold: Callable[[FoldResult], None] | None = None,
) -> TrainingResult:
    """Cross-validate on `data`, fit on all of it and save the model to `out`; `on_fold` sees each fold."""
    settings = settings or TrainSettings()
    examples = load_examples(data)
    check_label_counts(examples)
    folds = cross_validation_folds(examples, settings.folds, settings.seed, settings.variants)
    trainer = _Trainer(base_model, settings)
    results: list[FoldResult] = []
    for number, fold in enumerate(folds, start=1):
        run = trainer.fit(fold.train, settings.epochs, fold.validation, f"fold {number}/{len(folds)}", number)
        true = tuple(example.label for example in fold.validation)
        report = classification_report(true, run.predicted)
        results.append(
            FoldResult(number, run.best_epoch, run.epochs_run, len(fold.train), report, true, run.predicted)
        )
        log.info("fold %d: best epoch %d, macro-F1 %.3f", number, run.best_epoch, report.macro_f1)
        if on_fold is not None:
            on_fold(results[-1])
    final_epochs = max(1, round(statistics.fmean(fold.best_epoch for fold in results)))
    everything = augment(examples, settings.variants, random.Random(settings.seed))
    final = trainer.fit(everything, final_epochs, None, "final fit", 0)
    result = TrainingResult(
        tuple(results),
        classification_report(
            [label for fold in results for label in fold.true],
            [label for fold in results for label in fold.predicted],
        ),
        final_epochs,
        out,
    )
    summary = {
        "file": str(data),
        "examples": len(examples),
        "per_label": label_counts(examples),
        "final_training_lines": len(everything),
    }
    _save(final.model, trainer.tokenizer, out, _model_card(result, settings, base_model, summary))
    return result


class _Trainer:
    """The base model, loaded once, and the loop that fine-tunes copies of it."""

    def __init__(self, base_model: Path, settings: TrainSettings) -> None:
        if not base_model.is_dir():
            raise TrainingError(f"base model folder {base_model} does not exist")
        missing = missing_model_files(base_model)
        if missing:
            raise TrainingError(f"base model folder {base_model} lacks {', '.join(missing)}")
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self.settings = settings
        self.device = pick_device(settings.device)
        try:
            self.tokenizer: PreTrainedTokenizerBase = AutoTokenizer.from_pretrained(
                base_model, local_files_only=True
            )
            # A fresh 15-way head named with the labels; a base that has another head gets it replaced.
            self.initial: PreTrainedModel = AutoModelForSequenceClassification.from_pretrained(
                base_model,
                local_files_only=True,
                num_labels=len(EMOTIONS),
                id2label=dict(enumerate(EMOTIONS)),
                label2id={label: i for i, label in enumerate(EMOTIONS)},
                problem_type="single_label_classification",
                ignore_mismatched_sizes=True,
            )
        except Exception as exc:  # transformers raises OSError, ValueError, safetensors errors, …
            raise TrainingError(f"cannot load the base model in {base_model}: {exc}") from exc
        log.info("fine-tuning %s on %s", base_model, self.device)

    def fit(
        self,
        train: Sequence[Example],
        epochs: int,
        validation: Sequence[Example] | None,
        desc: str,
        seed_offset: int,
    ) -> _Run:
        """Train a copy of the base for up to `epochs`, stopping early on the validation macro-F1. Runs with
        different `seed_offset`s shuffle differently; the same offset repeats a run."""
        import torch
        from transformers import get_linear_schedule_with_warmup

        settings = self.settings
        torch.manual_seed(settings.seed + seed_offset)
        rng = random.Random(settings.seed + seed_offset)
        model = copy.deepcopy(self.initial).to(self.device)
        # No weight decay on biases and LayerNorm weights (the 1-d parameters).
        parameters = [p for p in model.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(
            [
                {"params": [p for p in parameters if p.ndim > 1], "weight_decay": settings.weight_decay},
                {"params": [p for p in parameters if p.ndim <= 1], "weight_decay": 0.0},
            ],
            lr=settings.lr,
        )
        total = epochs * math.ceil(len(train) / settings.batch_size)
        schedule = get_linear_schedule_with_warmup(optimizer, int(settings.warmup * total), total)
        best_epoch, best_f1, best_predicted = epochs, -1.0, ()
        with tqdm(total=total, desc=desc, unit="batch", dynamic_ncols=True) as bar:
            for epoch in range(1, epochs + 1):
                model.train()
                order = list(range(len(train)))
                rng.shuffle(order)
                for start in range(0, len(order), settings.batch_size):
                    batch = [train[i] for i in order[start : start + settings.batch_size]]
                    inputs = tokenize(self.tokenizer, [e.text for e in batch], settings.max_length)
                    labels = torch.tensor([emotion_id(e.label) for e in batch], device=self.device)
                    loss = model(**inputs.to(self.device), labels=labels).loss
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                    optimizer.step()
                    schedule.step()
                    optimizer.zero_grad()
                    bar.update()
                    bar.set_postfix(epoch=epoch, loss=f"{loss.item():.3f}", refresh=False)
                if validation is None:
                    continue
                predicted = self.predict(model, [example.text for example in validation])
                f1 = classification_report([example.label for example in validation], predicted).macro_f1
                if f1 > best_f1:
                    best_epoch, best_f1, best_predicted = epoch, f1, predicted
                bar.set_postfix(epoch=epoch, val_f1=f"{f1:.3f}", best=f"{best_f1:.3f}")
                if epoch - best_epoch >= settings.patience:
                    break
        return _Run(model, best_epoch, epoch, best_predicted)

    def predict(self, model: PreTrainedModel, texts: Sequence[str]) -> tuple[str, ...]:
        import torch

        model.eval()
        predicted: list[str] = []
        with torch.inference_mode():
            for start in range(0, len(texts), _EVAL_BATCH):
                inputs = tokenize(
                    self.tokenizer, texts[start : start + _EVAL_BATCH], self.settings.max_length
                )
                ids = model(**inputs.to(self.device)).logits.argmax(dim=-1).tolist()
                predicted += [EMOTIONS[i] for i in ids]
        return tuple(predicted)


def _model_card(
    result: TrainingResult, settings: TrainSettings, base_model: Path, data: dict[str, object]
) -> dict[str, object]:
    """What `model_config.json` records: how the model was made and how well it did, labels by name."""
    return {
        "labels": list(EMOTIONS),
        "base_model": str(base_model),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "emotts_version": __version__,
        "settings": asdict(settings),
        "data": data,
        "final_epochs": result.final_epochs,
        "mean": {metric: result.mean(metric) for metric in SUMMARY_METRICS},
        "stdev": {metric: result.stdev(metric) for metric in SUMMARY_METRICS},
        "folds": [
            {
                "fold": fold.fold,
                "best_epoch": fold.best_epoch,
                "epochs_run": fold.epochs_run,
                "training_lines": fold.train_size,
                "metrics": fold.report.to_dict(),
            }
            for fold in result.folds
        ],
        "out_of_fold": result.out_of_fold.to_dict(),
    }


def _save(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, out: Path, card: dict[str, object]
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    model.cpu().save_pretrained(out)  # model.safetensors + config.json with id2label = the label names
    tokenizer.save_pretrained(out)
    _write_vocab(tokenizer, out)
    (out / METRICS_FILE).write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    log.info("saved the emotion model to %s", out)


def _write_vocab(tokenizer: PreTrainedTokenizerBase, out: Path) -> None:
    """vocab.txt, the file every BERT tokenizer reads, old ones included; transformers 5 saves only
    tokenizer.json. Written when the vocabulary is a plain id-ordered list, as WordPiece's is."""
    vocab = tokenizer.get_vocab()
    tokens = sorted(vocab, key=vocab.__getitem__)
    if [vocab[token] for token in tokens] == list(range(len(tokens))) and not (out / "vocab.txt").exists():
        (out / "vocab.txt").write_text("".join(f"{token}\n" for token in tokens), encoding="utf-8")

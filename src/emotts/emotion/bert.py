"""A role's own emotion classifier: a fine-tuned BERT sequence classifier in a local folder.

The folder is what `save_pretrained` writes (config.json, model.safetensors or pytorch_model.bin, and
vocab.txt or tokenizer.json), as `emotts train-emotion` produces and chat apps ship in `roles/<name>/BERT/`.
Its outputs are mapped onto the 15 labels by their `id2label` names: a label or alias (`高兴`, `happy`) or
`LABEL_n` (label id n). torch and transformers are imported on first load, so emotts runs without them
until a role brings a model.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from emotts.emotion.classifier import EmotionResult
from emotts.emotion.labels import EMOTIONS, parse_emotion
from emotts.errors import EmottsError

if TYPE_CHECKING:
    import torch
    from transformers import BatchEncoding, PreTrainedModel, PreTrainedTokenizerBase

log = logging.getLogger(__name__)

BATCH_SIZE = 32
MAX_LENGTH = 128  # tokens; chat sentences are far shorter, and attention cost grows with the square

_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "model.safetensors.index.json")
_TOKENIZER_FILES = ("vocab.txt", "tokenizer.json")
_GENERIC_LABEL = re.compile(r"LABEL_(\d+)")


class ClassifierLoadError(EmottsError):
    """A classifier folder cannot be loaded; the message names the folder and the cause."""

    def __init__(self, folder: Path, reason: str) -> None:
        self.folder = folder
        self.reason = reason
        super().__init__(f"{folder}: cannot load the emotion classifier: {reason}")


def missing_model_files(folder: Path) -> list[str]:
    """What a model folder lacks, e.g. ["config.json", "weights (model.safetensors or …)"]; [] if nothing."""
    missing = []
    if not (folder / "config.json").is_file():
        missing.append("config.json")
    if not any((folder / name).is_file() for name in _WEIGHT_FILES):
        missing.append(f"weights ({' or '.join(_WEIGHT_FILES[:2])})")
    if not any((folder / name).is_file() for name in _TOKENIZER_FILES):
        missing.append(f"tokenizer files ({' or '.join(_TOKENIZER_FILES)})")
    return missing


def map_labels(id2label: Mapping[int, str]) -> tuple[int, ...]:
    """The label id of each model output, in output order; ValueError naming the outputs that fit no label.

    A name that is a label or alias wins over the LABEL_n pattern; two outputs may not share a label.
    """
    ids: list[int] = []
    bad: list[str] = []
    for output in range(len(id2label)):
        name = str(id2label[output])
        label = parse_emotion(name)
        generic = _GENERIC_LABEL.fullmatch(name.strip())
        if label is not None:
            ids.append(EMOTIONS.index(label))
        elif generic and int(generic[1]) < len(EMOTIONS):
            ids.append(int(generic[1]))
        else:
            bad.append(f"{output}={name!r}")
    if bad:
        raise ValueError(
            f"id2label names no emotion for output(s) {', '.join(bad)}; use the 15 labels "
            f"({', '.join(EMOTIONS)}), their English names, or LABEL_0…LABEL_14"
        )
    shared = sorted({EMOTIONS[i] for i in ids if ids.count(i) > 1})
    if shared:
        raise ValueError(f"id2label gives several outputs the same label: {', '.join(shared)}")
    return tuple(ids)


def tokenize(tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], max_length: int) -> BatchEncoding:
    """One padded batch of token ids, each text cut to `max_length` tokens."""
    return tokenizer(list(texts), padding=True, truncation=True, max_length=max_length, return_tensors="pt")


def pick_device(device: str | None = None) -> str:
    """`device`, else the first GPU when torch sees one, else the CPU."""
    import torch

    return device or ("cuda" if torch.cuda.is_available() else "cpu")


@dataclass(frozen=True)
class _Model:
    tokenizer: PreTrainedTokenizerBase
    model: PreTrainedModel
    device: str
    label_ids: torch.Tensor  # the label id of each output


class BertEmotionClassifier:
    """An `EmotionClassifier` backed by the BERT model in `folder`.

    The model loads on the first `load` or `classify`, once: a failed load is remembered and raised again
    rather than retried (a new instance retries). `classify` may be called from several threads at once.
    """

    def __init__(
        self,
        folder: Path,
        device: str | None = None,
        batch_size: int = BATCH_SIZE,
        max_length: int = MAX_LENGTH,
    ) -> None:
        self.folder = folder.resolve()
        self.name = f"bert:{self.folder}"
        self.batch_size = batch_size
        self.max_length = max_length
        self._device = device
        self._load_lock = threading.Lock()
        # Fast tokenizers reset their padding and truncation state on every call, and Rust refuses two
        # threads doing that at once ("Already borrowed"): tokenize one batch at a time, infer in parallel.
        self._tokenize_lock = threading.Lock()
        self._model: _Model | None = None
        self._error: ClassifierLoadError | None = None

    def load(self) -> None:
        """Load the model unless done already; if loading failed, raise ClassifierLoadError on every call."""
        self._loaded()

    def classify(self, texts: Sequence[str]) -> list[EmotionResult]:
        if not texts:
            return []
        loaded = self._loaded()
        results: list[EmotionResult] = []
        for start in range(0, len(texts), self.batch_size):
            results += self._classify_batch(loaded, texts[start : start + self.batch_size])
        return results

    def _classify_batch(self, loaded: _Model, texts: Sequence[str]) -> list[EmotionResult]:
        import torch

        with self._tokenize_lock:
            inputs = tokenize(loaded.tokenizer, texts, self.max_length)
        with torch.inference_mode():
            logits = loaded.model(**inputs.to(loaded.device)).logits
            probabilities = torch.softmax(logits, dim=-1)
            # Outputs onto all 15 labels; labels the model lacks score 0.
            scores = torch.zeros(len(texts), len(EMOTIONS), device=loaded.device)
            scores[:, loaded.label_ids] = probabilities
        return [_result(row) for row in scores.cpu().tolist()]

    def _loaded(self) -> _Model:
        with self._load_lock:
            if self._model is None and self._error is None:
                try:
                    self._model = self._load()
                except ClassifierLoadError as exc:
                    self._error = exc
                    raise
            if self._error is not None:
                raise self._error.with_traceback(None)  # not one more frame on each raise
            assert self._model is not None
            return self._model

    def _load(self) -> _Model:
        folder = self.folder
        if not folder.is_dir():
            raise ClassifierLoadError(folder, "folder not found")
        missing = missing_model_files(folder)
        if missing:
            raise ClassifierLoadError(folder, f"missing {', '.join(missing)}")
        try:
            import torch
            from transformers import AutoModelForSequenceClassification, AutoTokenizer
        except ImportError as exc:
            raise ClassifierLoadError(folder, f"{exc}; install it with: pip install 'emotts[bert]'") from exc
        device = pick_device(self._device)
        try:
            tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
            model, info = AutoModelForSequenceClassification.from_pretrained(
                folder, local_files_only=True, output_loading_info=True
            )
            model.to(device=device, dtype=torch.float32).eval()  # float32: half precision is slow on CPUs
        except Exception as exc:  # OSError, ValueError, safetensors and CUDA errors, …
            raise ClassifierLoadError(folder, f"{type(exc).__name__}: {exc}") from exc
        untrained = sorted(key for key in info["missing_keys"] if not key.startswith(model.base_model_prefix))
        if untrained:
            raise ClassifierLoadError(
                folder, f"no trained classification head (missing {', '.join(untrained)}): a base model?"
            )
        try:
            label_ids = map_labels(model.config.id2label)
        except ValueError as exc:
            raise ClassifierLoadError(folder, f"config.json: {exc}") from exc
        log.info("loaded emotion classifier %s on %s (%d outputs)", folder, device, len(label_ids))
        return _Model(tokenizer, model, device, torch.tensor(label_ids, device=device))


def _result(row: list[float]) -> EmotionResult:
    best = max(range(len(row)), key=row.__getitem__)
    return EmotionResult(EMOTIONS[best], row[best], dict(zip(EMOTIONS, row, strict=True)))

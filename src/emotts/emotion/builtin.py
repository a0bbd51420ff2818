"""The built-in classifier: a linear model over n-gram and cue-lexicon features; no download, no torch.

The weights (`builtin_model.npz`, about 2.7 MB) are trained on the corpus in data/emotion by
`python -m emotts.emotion.builtin_train data/emotion`; docs/emotion-classifier.md has its accuracy.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

import numpy as np

from emotts.emotion.classifier import EmotionResult
from emotts.emotion.features import FeatureSpec, Featurizer
from emotts.emotion.labels import EMOTIONS

MODEL_PATH = Path(__file__).with_name("builtin_model.npz")


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, stable for large logits."""
    exps = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return exps / exps.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class LinearModel:
    featurizer: Featurizer
    weights: np.ndarray  # (featurizer.n_columns, len(EMOTIONS))
    bias: np.ndarray  # (len(EMOTIONS),)
    temperature: float  # logits are divided by it so that confidence tracks accuracy on unseen lines

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        return self.featurizer.transform(texts).dot(self.weights) + self.bias

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), 15): the calibrated probability of each label, in EMOTIONS order."""
        return softmax(self.logits(texts) / self.temperature)

    def save(self, path: Path) -> None:
        """A compressed .npz, weights and IDF as float16 (half the size; every reported number is measured on
        the written file)."""
        np.savez_compressed(
            path,
            labels=np.array(json.dumps(EMOTIONS, ensure_ascii=False)),
            spec=np.array(json.dumps(asdict(self.featurizer.spec))),
            vocabulary=np.frombuffer("\n".join(self.featurizer.vocabulary).encode("utf-8"), dtype=np.uint8),
            idf=self.featurizer.idf.astype(np.float16),
            norm_floor=np.float32(self.featurizer.norm_floor),
            weights=self.weights.astype(np.float16),
            bias=self.bias.astype(np.float32),
            temperature=np.float32(self.temperature),
        )

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        with np.load(path, allow_pickle=False) as data:
            if tuple(json.loads(str(data["labels"]))) != EMOTIONS:
                raise ValueError(f"{path}: trained for other labels than {', '.join(EMOTIONS)}")
            spec = FeatureSpec(**json.loads(str(data["spec"])))
            text = data["vocabulary"].tobytes().decode("utf-8")
            vocabulary = text.split("\n") if text else []
            featurizer = Featurizer(
                spec, vocabulary, data["idf"].astype(np.float32), float(data["norm_floor"])
            )
            weights = data["weights"].astype(np.float32)
            if weights.shape != (featurizer.n_columns, len(EMOTIONS)):
                raise ValueError(f"{path}: weights of shape {weights.shape} do not fit the vocabulary")
            return cls(featurizer, weights, data["bias"], float(data["temperature"]))


@cache
def _shipped_model() -> LinearModel:
    return LinearModel.load(MODEL_PATH)


class BuiltinClassifier:
    name = "builtin"

    def __init__(self, model: LinearModel | None = None) -> None:
        self.model = model if model is not None else _shipped_model()  # the shipped weights: read once

    def classify(self, texts: Sequence[str]) -> list[EmotionResult]:
        if not texts:
            return []
        results = []
        for row in self.model.probabilities(texts).tolist():
            scores = dict(zip(EMOTIONS, row, strict=True))
            label = EMOTIONS[int(np.argmax(row))]
            results.append(EmotionResult(label, scores[label], scores))
        return results

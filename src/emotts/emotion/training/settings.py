"""Settings of `emotts train-emotion`, apart from the trainer so the CLI can show defaults without torch."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TrainSettings:
    folds: int = 5
    epochs: int = 8  # at most, per fold; early stopping usually ends sooner
    batch_size: int = 16
    lr: float = 2e-5
    seed: int = 42
    max_length: int = 128  # tokens per line
    patience: int = 2  # epochs without a better validation macro-F1 before a fold stops
    variants: int = 3  # augmented variants per training line (0: no augmentation)
    warmup: float = 0.1  # share of the steps over which the learning rate rises
    weight_decay: float = 0.01
    device: str | None = None  # None: the GPU when there is one

    def __post_init__(self) -> None:
        limits = {"folds": 2, "epochs": 1, "batch_size": 1, "max_length": 8, "patience": 1, "variants": 0}
        problems = [
            f"{name} must be at least {low}" for name, low in limits.items() if getattr(self, name) < low
        ]
        if not self.lr > 0:
            problems.append("lr must be positive")
        if not 0 <= self.warmup < 1:
            problems.append("warmup must be in [0, 1)")
        if problems:
            raise ValueError(f"invalid training settings: {'; '.join(problems)}")

"""Stratified k-fold cross-validation sets, split before augmentation so that nothing leaks.

Lines that differ only in punctuation or spacing (the same `text_key`) are one group and share a fold, each
label's groups are dealt out evenly over the folds, and only then are the training folds augmented, with no
variant allowed to match a validation line.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from emotts.emotion.labels import EMOTIONS
from emotts.emotion.training.augment import augment
from emotts.emotion.training.dataset import DatasetError, Example, text_key


@dataclass(frozen=True)
class Fold:
    train: list[Example]  # the other folds' lines and their variants
    validation: list[Example]  # this fold's lines, never augmented


def stratified_folds(examples: Sequence[Example], k: int, seed: int) -> list[list[int]]:
    """Indices of `examples` in each of `k` folds; DatasetError if a fold would be empty."""
    if k < 2:
        raise DatasetError(f"cross-validation needs at least 2 folds, got {k}")
    groups: dict[str, list[int]] = defaultdict(list)  # text key → indices, in file order
    for index, example in enumerate(examples):
        groups[text_key(example.text)].append(index)
    by_label: dict[str, list[list[int]]] = defaultdict(list)  # a group counts under its first line's label
    for members in groups.values():
        by_label[examples[members[0]].label].append(members)
    rng = random.Random(seed)
    folds: list[list[int]] = [[] for _ in range(k)]
    turn = 0  # the next label starts where the last one stopped, which keeps the folds' sizes even
    for label in EMOTIONS:
        label_groups = by_label.get(label, [])
        rng.shuffle(label_groups)
        for members in label_groups:
            folds[turn % k].extend(members)
            turn += 1
    if not all(folds):
        raise DatasetError(f"{len(groups)} distinct lines cannot fill {k} folds; use fewer folds")
    return [sorted(fold) for fold in folds]


def cross_validation_folds(examples: Sequence[Example], k: int, seed: int, variants: int) -> list[Fold]:
    """The `k` folds, each with its validation lines and the augmented lines of the other folds."""
    rng = random.Random(seed)
    folds = []
    for indices in stratified_folds(examples, k, seed):
        held_out = set(indices)
        validation = [examples[i] for i in indices]
        train = [example for i, example in enumerate(examples) if i not in held_out]
        forbidden = {text_key(example.text) for example in validation}
        folds.append(Fold(augment(train, variants, rng, forbidden), validation))
    return folds

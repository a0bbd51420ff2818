"""Which classifier judges a role's text: its own BERT model when it has one that loads, else the built-in.

Models are cached by folder and the size and mtime of its files: an unchanged model loads once and is shared
by every request and every role using that folder, while a model saved anew is loaded afresh on its next
use. A model that fails to load is remembered as failed until its files change, so a broken folder costs one
attempt and one log line, not one per request; its roles fall back to the built-in classifier meanwhile.
A model whose folder is gone (deleted, or its role renamed) is dropped, so its memory is released.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from emotts.emotion.bert import BertEmotionClassifier, ClassifierLoadError
from emotts.emotion.classifier import EmotionClassifier
from emotts.roles.model import Role

log = logging.getLogger(__name__)

_Signature = tuple[tuple[str, int, int], ...]  # (file name, size, mtime in ns) of each file, by name


@dataclass
class _Entry:
    signature: _Signature
    classifier: BertEmotionClassifier
    error: str | None = None
    tried: bool = False


class ClassifierProvider:
    def __init__(self, builtin: EmotionClassifier, device: str | None = None) -> None:
        self.builtin = builtin
        self.device = device
        self._lock = threading.Lock()  # guards `_entries`; loading happens outside it
        self._entries: dict[Path, _Entry] = {}

    def for_role(self, role: Role | None) -> EmotionClassifier:
        """The role's BERT classifier, loaded on first use; the built-in one without it or if it fails."""
        entry = self._entry(role)
        if entry is None or entry.error is not None:
            return self.builtin
        return entry.classifier

    def failure(self, role: Role | None) -> str | None:
        """Why the role's BERT classifier cannot be used (trying to load it first), or None."""
        entry = self._entry(role)
        return entry.error if entry is not None else None

    def _entry(self, role: Role | None) -> _Entry | None:
        """The loaded (or failed) cache entry of the role's BERT folder; None when it has none."""
        self._forget_missing()
        if role is None or role.bert_dir is None or not role.bert_dir.is_dir():
            return None
        folder = role.bert_dir.resolve()
        signature = _signature(folder)
        with self._lock:
            entry = self._entries.get(folder)
            if entry is None or entry.signature != signature:
                entry = self._entries[folder] = _Entry(signature, BertEmotionClassifier(folder, self.device))
        if not entry.tried:
            self._load(entry, role.name)
        return entry

    def _forget_missing(self) -> None:
        """Drop the models of folders that no longer exist (a stat per cached folder: a handful)."""
        with self._lock:
            gone = [folder for folder in self._entries if not folder.is_dir()]
            for folder in gone:
                del self._entries[folder]
        for folder in gone:
            log.info("emotion classifier folder %s is gone; its model is released", folder)

    def _load(self, entry: _Entry, role: str) -> None:
        try:
            entry.classifier.load()  # once per classifier: concurrent callers wait for the first
        except ClassifierLoadError as exc:
            with self._lock:
                first = entry.error is None
                entry.error = str(exc)
            if first:
                log.warning("role %s uses the built-in emotion classifier: %s", role, exc)
        entry.tried = True


def _signature(folder: Path) -> _Signature:
    """What identifies the folder's current model: its files' names, sizes and mtimes (sub-folders aside)."""
    try:
        with os.scandir(folder) as entries:
            stats = [(entry.name, entry.stat()) for entry in entries if entry.is_file()]
    except OSError:
        return ()
    return tuple(sorted((name, stat.st_size, stat.st_mtime_ns) for name, stat in stats))

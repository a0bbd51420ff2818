"""Loaded GPT + SoVITS pairs, kept in an LRU so that roles with their own weights do not reload per request.

A model set is immutable once loaded, so concurrent requests can share it; a request keeps its set alive until
it finishes even if the LRU evicts it meanwhile, and an evicted set's memory is released when the last such
request drops it.
"""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass, field
from pathlib import Path

import torch

from emotts.engines.gptsovits.checkpoints import CheckpointError, load_gpt, load_sovits
from emotts.engines.gptsovits.sovits import SoVITS
from emotts.engines.gptsovits.t2s import Text2Semantic
from emotts.lru import LruCache

log = logging.getLogger(__name__)

_FileKey = tuple[str, int, int]  # resolved path, size, mtime in ns: a file saved anew is a new model


@dataclass(frozen=True)
class ModelSet:
    """A GPT (text → semantic tokens) and a SoVITS (tokens → waveform) model that speak together."""

    gpt_path: Path
    sovits_path: Path
    t2s: Text2Semantic = field(repr=False)
    sovits: SoVITS = field(repr=False)
    early_stop_num: int  # generated tokens after which the AR loop stops (50 * the GPT's max_sec)
    symbols: str  # symbol table of the text frontend: "v1" or "v2"
    device: torch.device

    @property
    def version(self) -> str:
        return self.sovits.version

    @property
    def sampling_rate(self) -> int:
        return self.sovits.sampling_rate


def resolve_device(device: str) -> torch.device:
    """ "auto" → the first CUDA GPU when there is one, else the CPU."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def load_model_set(gpt_path: Path, sovits_path: Path, device: torch.device) -> ModelSet:
    """Load both files, check that they fit together, and move them to `device`."""
    gpt = load_gpt(gpt_path)
    sovits_ckpt = load_sovits(sovits_path)
    symbols = sovits_ckpt.version.symbols
    needed = 322 if symbols == "v1" else 732  # symbol-table sizes of the text frontend
    if gpt.hparams.phoneme_vocab_size < needed:
        raise CheckpointError(
            gpt_path,
            f"its phoneme vocabulary has {gpt.hparams.phoneme_vocab_size} entries but {sovits_path.name} "
            f"({sovits_ckpt.version.model}) uses the {needed}-symbol table; pair it with a matching model",
        )
    t2s = Text2Semantic.from_checkpoint(gpt).to(device)
    sovits = SoVITS.from_checkpoint(sovits_ckpt).to(device)
    log.info(
        "loaded GPT %s and SoVITS %s (%s) on %s", gpt_path.name, sovits_path.name, sovits.version, device
    )
    return ModelSet(
        gpt_path=gpt_path,
        sovits_path=sovits_path,
        t2s=t2s,
        sovits=sovits,
        early_stop_num=gpt.hparams.early_stop_num,
        symbols=symbols,
        device=device,
    )


def _file_key(path: Path) -> _FileKey:
    try:
        stat = path.stat()
    except OSError as exc:
        raise CheckpointError(path, f"cannot be read: {exc.strerror or exc}") from None
    return (str(path.resolve()), stat.st_size, stat.st_mtime_ns)


def _release(_key: object, models: ModelSet) -> None:
    log.info("unloading GPT %s and SoVITS %s", models.gpt_path.name, models.sovits_path.name)
    del models
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


class ModelCache:
    """At most `size` model sets in memory, keyed by both files' path, size and mtime."""

    def __init__(self, size: int, device: torch.device) -> None:
        self.device = device
        self._cache: LruCache[tuple[_FileKey, _FileKey], ModelSet] = LruCache(size, on_evict=_release)

    def get(self, gpt_path: Path, sovits_path: Path) -> ModelSet:
        key = (_file_key(gpt_path), _file_key(sovits_path))
        return self._cache.get(key, lambda: load_model_set(gpt_path, sovits_path, self.device))

    def loaded(self) -> list[tuple[Path, Path]]:
        """(GPT, SoVITS) paths of the sets in memory, least recently used first."""
        return [(Path(gpt[0]), Path(sovits[0])) for gpt, sovits in self._cache.keys_by_age()]

"""GPT-SoVITS models run in-process with emotts' own PyTorch code, loading the official checkpoint files."""

from __future__ import annotations

from .checkpoints import (
    CheckpointError,
    CheckpointSummary,
    ForbiddenGlobalError,
    GptCheckpoint,
    GptHParams,
    SovitsCheckpoint,
    SovitsHParams,
    SovitsVersion,
    detect_sovits_version,
    inspect_checkpoint,
    load_gpt,
    load_sovits,
)
from .t2s import T2SResult, Text2Semantic, load_t2s, sample_next

__all__ = [
    "CheckpointError",
    "CheckpointSummary",
    "ForbiddenGlobalError",
    "GptCheckpoint",
    "GptHParams",
    "SovitsCheckpoint",
    "SovitsHParams",
    "SovitsVersion",
    "T2SResult",
    "Text2Semantic",
    "detect_sovits_version",
    "inspect_checkpoint",
    "load_gpt",
    "load_sovits",
    "load_t2s",
    "sample_next",
]

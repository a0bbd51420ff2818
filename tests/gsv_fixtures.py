"""Where the shared GPT-SoVITS reference fixtures live, and the marker for tests that need them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from emotts.engines.gptsovits import GptHParams

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "gptsovits"
VERSIONS = ["v1", "v2", "v2Pro", "v2ProPlus", "v4"]
needs_fixtures = pytest.mark.skipif(
    not FIXTURES.is_dir(), reason=f"GPT-SoVITS fixtures not found at {FIXTURES}"
)

# A GPT small enough to build and run in milliseconds.
TINY_GPT = GptHParams(
    vocab_size=33,
    phoneme_vocab_size=20,
    embedding_dim=16,
    hidden_dim=16,
    n_head=2,
    n_layer=2,
    ffn_dim=64,
    bert_dim=8,
    eos=32,
    max_sec=1.3,
)


def frontend_cases(language: str) -> list[dict[str, Any]]:
    """The reference's text-frontend cases for one language (frontend/<language>.jsonl)."""
    path = FIXTURES / "frontend" / f"{language}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def known_phones() -> dict[str, set[str]]:
    """Every phone the fixtures show per version: one the reference printed as UNK was outside its table."""
    known: dict[str, set[str]] = {}
    for language in ("zh", "en", "ja", "ko", "yue"):
        for case in frontend_cases(language):
            known.setdefault(case["version"], set()).update(p for p in case["phones"] if p != "UNK")
    return known

"""The phone symbol tables of GPT-SoVITS: their order is the row order of the models' text embeddings.

v1 models use 322 symbols (Mandarin, Japanese, English); v2 and later 732 (adding Korean jamo and Cantonese
Jyutping). The lists are data (`data/symbols.json`), taken from GPT-SoVITS `text/symbols.py` and
`text/symbols2.py` (MIT).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "symbols.json"
PUNCTUATION = ("!", "?", "…", ",", ".", "-")  # the phones punctuation becomes in every language
# CJK and other punctuation → those phones; each language adds a few entries of its own
PUNCTUATION_MAP = {
    "：": ",", "；": ",", "，": ",", "。": ".", "！": "!", "？": "?", "\n": ".", "·": ",", "、": ",",
}  # fmt: skip


def table_name(version: str) -> str:
    """ "v1" for v1 models, "v2" for every later version."""
    return "v1" if version == "v1" else "v2"


@cache
def symbols(version: str) -> tuple[str, ...]:
    return tuple(json.loads(DATA.read_text(encoding="utf-8"))[table_name(version)])


@cache
def _ids(version: str) -> dict[str, int]:
    return {symbol: index for index, symbol in enumerate(symbols(version))}


def known(phone: str, version: str) -> bool:
    return phone in _ids(table_name(version))


def phones_to_ids(phones: Sequence[str], version: str) -> list[int]:
    ids = _ids(table_name(version))
    return [ids[phone] for phone in phones]

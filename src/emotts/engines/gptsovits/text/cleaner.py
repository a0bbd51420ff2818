"""`clean_text`: one language's text → phones, phone ids, word2ph and normalised text, as GPT-SoVITS does it.

v1 models know Mandarin (without erhua), Japanese and English; later models add Korean and Cantonese and
use the 732-symbol table. Phones outside the table become "UNK"; English with fewer than 4 phones gets a
leading ","; in Mandarin "￥" and "^" become the pauses SP2 and SP3. Language modules load lazily, so a
missing optional extra (Japanese, Korean) is reported by name only when that language is used. A G2PW
polyphone model, when given, reads Mandarin for the v2 table only (v1's frontend never had it).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from emotts.errors import EmottsError, UnknownLanguageError

from .symbols import known, phones_to_ids, table_name

if TYPE_CHECKING:
    from .g2pw import G2PW

G2P = Callable[[str], tuple[list[str], "list[int] | None"]]
# language → (module, g2p function) per symbol table
MODULES: dict[str, dict[str, tuple[str, str]]] = {
    "v1": {"zh": ("chinese", "g2p_v1"), "ja": ("japanese", "g2p"), "en": ("english", "g2p")},
    "v2": {
        "zh": ("chinese", "g2p"),
        "ja": ("japanese", "g2p"),
        "en": ("english", "g2p"),
        "ko": ("korean", "g2p"),
        "yue": ("cantonese", "g2p"),
    },
}
EXTRAS = {"japanese": "ja", "korean": "ko"}
SPECIAL_PAUSES = {"￥": "SP2", "^": "SP3"}  # Mandarin only


class FrontendUnavailableError(EmottsError):
    """A language needs an optional package that is not installed."""


@dataclass(frozen=True)
class CleanedText:
    phones: tuple[str, ...]
    phone_ids: tuple[int, ...]
    word2ph: tuple[int, ...] | None  # phones per character (Mandarin, Cantonese); None otherwise
    norm_text: str


def _module(language: str, version: str) -> tuple[Callable[[str], str], G2P]:
    table = MODULES[table_name(version)]
    if language not in table:
        raise UnknownLanguageError(language, table)
    name, function = table[language]
    try:
        module = importlib.import_module(f"{__package__}.{name}")
    except ImportError as exc:
        extra = EXTRAS.get(name, "gsv")
        raise FrontendUnavailableError(
            f"the {name} text frontend needs a missing package ({exc.name}): pip install 'emotts[{extra}]'"
        ) from None
    return module.normalize, getattr(module, function)


def clean_text(text: str, language: str, version: str, g2pw: G2PW | None = None) -> CleanedText:
    normalize, g2p = _module(language, version)
    if g2pw is not None and language == "zh" and table_name(version) == "v2":
        g2p = partial(g2p, g2pw=g2pw)
    pause = next((p for p in SPECIAL_PAUSES if p in text), None) if language == "zh" else None
    if pause is not None:
        text = text.replace(pause, ",")
    norm_text = normalize(text)
    phones, word2ph = g2p(norm_text)
    if pause is not None:
        phones = [SPECIAL_PAUSES[pause] if phone == "," else phone for phone in phones]
    if language == "en" and len(phones) < 4:
        phones = [",", *phones]
    phones = [phone if known(phone, version) else "UNK" for phone in phones]
    return CleanedText(
        phones=tuple(phones),
        phone_ids=tuple(phones_to_ids(phones, version)),
        word2ph=tuple(word2ph) if word2ph is not None else None,
        norm_text=norm_text,
    )

"""GPT-SoVITS Japanese frontend: OpenJTalk phones with pitch-accent marks, offline.

Mirrors GPT-SoVITS ``text/japanese.py`` (MIT) with ``with_prosody=True``: the text is cut at every character
that is not kana/kanji/Latin/digit; each run goes through OpenJTalk (``pyopenjtalk-plus``, which bundles its
dictionary) and its full-context labels are turned into phones plus prosody marks (ESPnet's scheme:
``#`` accent-phrase border, ``[`` pitch rise, ``]`` pitch fall); the cut characters are kept as punctuation.
GPT-SoVITS' one-entry user dictionary (主殿) is compiled once into a temporary directory at first use.
"""

from __future__ import annotations

import logging
import re
import tempfile
import threading
from pathlib import Path
from typing import Any

from .symbols import PUNCTUATION_MAP

__all__ = ["g2p", "normalize"]

_log = logging.getLogger(__name__)

# GPT-SoVITS text/ja_userdic/userdict.csv (naist-jdic CSV format).
USER_DICT_CSV = "主殿,*,*,-32767,名詞,固有名詞,一般,*,*,*,アルジドノ,アルジドノ,アルジドノ,3/5,*\n"

_PUNCTUATION = "!?…,.-"
_REPEATED_PUNCTUATION_RE = re.compile(f"([{re.escape(_PUNCTUATION)}])([{re.escape(_PUNCTUATION)}])+")
_JA_CHARS = r"A-Za-z\d\u3005\u3040-\u30ff\u4e00-\u9fff\uff11-\uff19\uff21-\uff3a\uff41-\uff5a\uff66-\uff9d"
_JA_CHAR_RE = re.compile(f"[{_JA_CHARS}]")
_NON_JA_CHAR_RE = re.compile(f"[^{_JA_CHARS}]")
_PUNCT_MAP = {
    **PUNCTUATION_MAP,
    "...": "…",
}

_P3_RE = re.compile(r"\-(.*?)\+")
_A1_RE = re.compile(r"/A:([0-9\-]+)\+")
_A2_RE = re.compile(r"\+(\d+)\+")
_A3_RE = re.compile(r"\+(\d+)/")
_F1_RE = re.compile(r"/F:(\d+)_")
_E3_RE = re.compile(r"!(\d+)_")


def normalize(text: str) -> str:
    """Japanese ``text_normalize``: only runs of punctuation are collapsed to their first mark."""
    return _REPEATED_PUNCTUATION_RE.sub(r"\1", text)


class _OpenJTalk:
    """A private OpenJTalk instance with the GPT-SoVITS user dictionary (the global one is left alone)."""

    def __init__(self) -> None:
        import pyopenjtalk

        self._pyopenjtalk = pyopenjtalk
        self._dir = tempfile.TemporaryDirectory(prefix="emotts-ja-userdic-")
        csv_path = Path(self._dir.name) / "userdict.csv"
        dic_path = Path(self._dir.name) / "user.dic"
        userdic = b""
        try:
            csv_path.write_text(USER_DICT_CSV, encoding="utf-8")
            pyopenjtalk.mecab_dict_index(str(csv_path), str(dic_path))
            userdic = str(dic_path).encode("utf-8")
        except (OSError, RuntimeError) as exc:  # like the reference: go on without the user dictionary
            _log.warning("Japanese user dictionary not compiled (%s); continuing without it", exc)
        self.jtalk = pyopenjtalk.OpenJTalk(dn_mecab=pyopenjtalk.OPEN_JTALK_DICT_DIR, userdic=userdic)

    def labels(self, text: str) -> list[str]:
        features: Any = self._pyopenjtalk.run_frontend(text, jtalk=self.jtalk)
        return self._pyopenjtalk.make_label(features, jtalk=self.jtalk)


_lock = threading.Lock()
_instance: _OpenJTalk | None = None


def _openjtalk() -> _OpenJTalk:
    global _instance
    if _instance is None:
        with _lock:
            if _instance is None:
                _instance = _OpenJTalk()
    return _instance


def _feature(regex: re.Pattern[str], label: str) -> int:
    m = regex.search(label)
    return int(m.group(1)) if m else -50


def prosody_phones(labels: list[str]) -> list[str]:
    """Phones with prosody marks from OpenJTalk full-context labels (ESPnet ``pyopenjtalk_g2p_prosody``),
    including the leading ``^`` and the final ``$``/``?``."""
    phones: list[str] = []
    for n, label in enumerate(labels):
        p3 = _P3_RE.search(label).group(1)  # type: ignore[union-attr]
        if p3 in "AEIOU":  # unvoiced vowels are read as ordinary ones
            p3 = p3.lower()
        if p3 == "sil":
            if n == 0:
                phones.append("^")
            elif n == len(labels) - 1:
                question = _feature(_E3_RE, label)
                if question == 0:
                    phones.append("$")
                elif question == 1:
                    phones.append("?")
            continue
        if p3 == "pau":
            phones.append("_")
            continue
        phones.append(p3)
        a1, a2, a3 = _feature(_A1_RE, label), _feature(_A2_RE, label), _feature(_A3_RE, label)
        f1 = _feature(_F1_RE, label)
        a2_next = _feature(_A2_RE, labels[n + 1])
        if a3 == 1 and a2_next == 1 and p3 in "aeiouAEIOUNcl":
            phones.append("#")
        elif a1 == 0 and a2_next == a2 + 1 and a2 != f1:
            phones.append("]")
        elif a2 == 1 and a2_next == 2:
            phones.append("[")
    return phones


def g2p(norm_text: str) -> tuple[list[str], None]:
    """Phones (OpenJTalk symbols, prosody marks, punctuation) for normalised Japanese; no word2ph."""
    text = norm_text.replace("％", "パーセント").lower()
    runs = _NON_JA_CHAR_RE.split(text)
    marks = _NON_JA_CHAR_RE.findall(text)
    phones: list[str] = []
    for i, run in enumerate(runs):
        if _JA_CHAR_RE.match(run):
            phones += prosody_phones(_openjtalk().labels(run))[1:-1]
        if i < len(marks) and marks[i] != " ":
            phones.append(marks[i])
    return [_PUNCT_MAP.get(ph, ph) for ph in phones], None

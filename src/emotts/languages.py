"""Language codes accepted in roles and requests (GPT-SoVITS spellings), case-insensitive."""

from __future__ import annotations

import re

from emotts.errors import UnknownLanguageError

# GPT-SoVITS codes: "all_*" means "treat every character as that language"; "auto" detects per span.
LANGUAGES: frozenset[str] = frozenset(
    {"zh", "yue", "en", "ja", "ko", "auto", "auto_yue", "all_zh", "all_yue", "all_ja", "all_ko"}
)
_ALIASES = {
    "cmn": "zh", "zh-cn": "zh", "zh_cn": "zh", "chinese": "zh", "mandarin": "zh", "中文": "zh",
    "cantonese": "yue", "zh-hk": "yue", "粤语": "yue", "english": "en", "en-us": "en", "en-gb": "en",
    "英文": "en", "japanese": "ja", "jp": "ja", "日文": "ja", "korean": "ko", "kr": "ko", "韩文": "ko",
}  # fmt: skip

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")


def normalize_language(code: str, valid: frozenset[str] = LANGUAGES) -> str:
    """Canonical lower-case code, or an error listing the codes in `valid`."""
    key = code.strip().lower().replace(" ", "")
    key = _ALIASES.get(key, key)
    if key not in valid:
        raise UnknownLanguageError(code, valid)
    return key


def base_language(code: str) -> str:
    """The spoken language behind a GPT-SoVITS code: all_zh → zh, auto_yue → yue, auto → auto."""
    if code.startswith("all_"):
        return code[4:]
    if code == "auto_yue":
        return "yue"
    return code


def detect_language(text: str) -> str:
    """A cheap script-based guess used when a text's language is 'auto'."""
    kana, han = len(_KANA.findall(text)), len(_CJK.findall(text))
    # Japanese mixes in many kana; Chinese chat borrows the odd の or ぇ, which must not flip it.
    if kana and kana >= 0.15 * (kana + han):
        return "ja"
    if _HANGUL.search(text):
        return "ko"
    if han:
        return "zh"
    return "en"

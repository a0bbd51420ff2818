"""GPT-SoVITS Korean frontend: Hangul -> pronounced compatibility jamo, offline.

Mirrors GPT-SoVITS ``text/korean.py`` (MIT), whose pronunciation step is g2pk2 (Apache-2.0). That package
imports NLTK's cmudict at load time (a download), so its pipeline is re-implemented here:

1. Latin letters are spelled in Hangul first (GPT-SoVITS does this, so g2pk2's English step never fires);
2. g2pk2: idiom rewrites, MeCab-ko part-of-speech marks (``/J`` genitive 의, ``/E`` ㄹ-final endings,
   ``/P`` verb stems ending in ㄴ/ㅁ-like codas, ``/B`` bound nouns), numbers spelled out (native numerals
   before counters), decomposition into conjoining jamo, the "special" rules, the coda-onset rule table,
   liaison, recomposition;
3. GPT-SoVITS: compatibility jamo with compound vowels split (ㅘ -> ㅗㅏ, ...), its g2pk2 fix-up, a final
   "." after a trailing jamo, spaces as 空 and anything outside the symbol table as 停.

The rule tables (``data/ko_g2pk2_rules.json``) are g2pk2's ``idioms.txt`` and ``table.csv``.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

from .symbols import PUNCTUATION_MAP

__all__ = ["g2p", "normalize"]

DATA = Path(__file__).resolve().parent / "data"

_LATIN_NAMES = {
    "a": "에이",
    "b": "비",
    "c": "시",
    "d": "디",
    "e": "이",
    "f": "에프",
    "g": "지",
    "h": "에이치",
    "i": "아이",
    "j": "제이",
    "k": "케이",
    "l": "엘",
    "m": "엠",
    "n": "엔",
    "o": "오",
    "p": "피",
    "q": "큐",
    "r": "아르",
    "s": "에스",
    "t": "티",
    "u": "유",
    "v": "브이",
    "w": "더블유",
    "x": "엑스",
    "y": "와이",
    "z": "제트",
}
_LATIN_RE = re.compile("[a-zA-Z]")

# Counters read with native numerals (g2pk2 tests membership in this string, so "두" or "마리" both match).
_NATIVE_COUNTERS = (
    "군데 권 개 그루 닢 대 두 마리 모 모금 뭇 발 발짝 방 번 벌 보루 "
    "살 수 술 시 쌈 움큼 정 짝 채 척 첩 축 켤레 톨 통"
)
_SINO_DIGITS = dict(zip("123456789", "일이삼사오육칠팔구", strict=True))
_NATIVE_UNITS = dict(
    zip("123456789", ["한", "두", "세", "네", "다섯", "여섯", "일곱", "여덟", "아홉"], strict=True)
)
_NATIVE_TENS = dict(
    zip("123456789", ["열", "스물", "서른", "마흔", "쉰", "예순", "일흔", "여든", "아흔"], strict=True)
)
# Place names by position from the right (position 0 and 1 depend on the numeral kind).
_PLACES = {
    2: "백",
    3: "천",
    4: "만",
    5: "십",
    6: "백",
    7: "천",
    8: "억",
    9: "십",
    10: "백",
    11: "천",
    12: "조",
}
_PLACES |= {13: "십", 14: "백", 15: "천"}
_ONE_DROPPED = {2, 3, 4, 5, 6, 7}  # 일백 -> 백, 일천 -> 천, 일만 -> 만, ... (not for 억 and above)
_COUNTED_NUMBER_RE = re.compile(r"([\d][\d,]*)([ㄱ-힣]+)/B")

# "Special" rules of g2pk2 (special.py), non-descriptive mode, in order. They act on conjoining jamo; they
# are written here with precomposed syllables for legibility and decomposed with jamo.h2j when compiled,
# which gives g2pk2's exact patterns (so "[그]" is a class of the two jamo ᄀ and ᅳ, as in g2pk2).
_SPECIAL_RULES: list[tuple[str, str]] = [
    ("([ᄌᄍᄎ])ᅧ", r"\1ᅥ"),  # 5.1 져 쪄 쳐 -> 저 쩌 처
    ("([ᄀᄁᄂᄃᄄᄅᄆᄇᄈᄉᄊᄌᄍᄎᄏᄐᄑᄒ])ᅴ", r"\1ᅵ"),  # 5.3 consonant + ㅢ -> ㅣ
    ("/J", ""),  # 5.4.2 genitive 의 kept
    ("([그])ᆮᄋ", r"\1ᄉ"),  # 16 names of letters
    ("([으])[ᆽᆾᇀᇂ]ᄋ", r"\1ᄉ"),
    ("([으])[ᆿ]ᄋ", r"\1ᄀ"),
    ("([으])[ᇁ]ᄋ", r"\1ᄇ"),
    ("ᆰ/P([ᄀᄁ])", "ᆯᄁ"),  # 11.1
    ("([ᆲᆴ])/Pᄀ", r"\1ᄁ"),  # 25
    ("([ᆲᆴ])/Pᄃ", r"\1ᄄ"),
    ("([ᆲᆴ])/Pᄉ", r"\1ᄊ"),
    ("([ᆲᆴ])/Pᄌ", r"\1ᄍ"),
    ("([ᆫᆷ])/Pᄀ", r"\1ᄁ"),  # 24
    ("([ᆫᆷ])/Pᄃ", r"\1ᄄ"),
    ("([ᆫᆷ])/Pᄉ", r"\1ᄊ"),
    ("([ᆫᆷ])/Pᄌ", r"\1ᄍ"),
    ("ᆬ/Pᄀ", "ᆫᄁ"),
    ("ᆬ/Pᄃ", "ᆫᄄ"),
    ("ᆬ/Pᄉ", "ᆫᄊ"),
    ("ᆬ/Pᄌ", "ᆫᄍ"),
    ("ᆱ/Pᄀ", "ᆷᄁ"),
    ("ᆱ/Pᄃ", "ᆷᄄ"),
    ("ᆱ/Pᄉ", "ᆷᄊ"),
    ("ᆱ/Pᄌ", "ᆷᄍ"),
    ("(바)ᆲ(($|[^ᄋᄒ]))", r"\1ᆸ\2"),  # 10.1 밟 before a consonant or at the end
    ("(너)ᆲ([ᄌᄍ]ᅮ|[ᄃᄄ]ᅮ)", r"\1ᆸ\2"),  # 넓죽, 넓둥글다
    ("ᆮᄋ([ᅵᅧ])", r"ᄌ\1"),  # 17 palatalisation
    ("ᇀᄋ([ᅵᅧ])", r"ᄎ\1"),
    ("ᆴᄋ([ᅵᅧ])", r"ᆯᄎ\1"),
    ("ᆮᄒ([ᅵ])", r"ᄎ\1"),
    ("ᆯ/E ᄀ", "ᆯ ᄁ"),  # 27 tensing after the ㄹ of a modifying ending
    ("ᆯ/E ᄃ", "ᆯ ᄄ"),
    ("ᆯ/E ᄇ", "ᆯ ᄈ"),
    ("ᆯ/E ᄉ", "ᆯ ᄊ"),
    ("ᆯ/E ᄌ", "ᆯ ᄍ"),
    ("ᆯ걸", "ᆯ껄"),
    ("ᆯ밖에", "ᆯ빠께"),
    ("ᆯ세라", "ᆯ쎄라"),
    ("ᆯ수록", "ᆯ쑤록"),
    ("ᆯ지라도", "ᆯ찌라도"),
    ("ᆯ지언정", "ᆯ찌언정"),
    ("ᆯ진대", "ᆯ찐대"),
    ("/[PJEB]", ""),
]

# Liaison: a coda moves to an empty (ㅇ) onset (g2pk2 regular.py rules 13, 14 and 12.4).
_LIAISON: list[tuple[str, str]] = [
    *((coda + "ᄋ", onset) for coda, onset in zip("ᆨᆩᆫᆮᆯᆷᆸᆺᆻᆽᆾᆿᇀᇁ", "ᄀᄁᄂᄃᄅᄆᄇᄉᄊᄌᄎᄏᄐᄑ", strict=True)),
    ("ᆪᄋ", "ᆨᄊ"),
    ("ᆬᄋ", "ᆫᄌ"),
    ("ᆰᄋ", "ᆯᄀ"),
    ("ᆱᄋ", "ᆯᄆ"),
    ("ᆲᄋ", "ᆯᄇ"),
    ("ᆳᄋ", "ᆯᄊ"),
    ("ᆴᄋ", "ᆯᄐ"),
    ("ᆵᄋ", "ᆯᄑ"),
    ("ᆹᄋ", "ᆸᄊ"),
    ("ᇂᄋ", "ᄋ"),
    ("ᆭᄋ", "ᄂ"),
    ("ᆶᄋ", "ᄅ"),
]

# GPT-SoVITS divides compound vowels of the compatibility jamo.
_VOWEL_SPLITS = {
    "ㅘ": "ㅗㅏ",
    "ㅙ": "ㅗㅐ",
    "ㅚ": "ㅗㅣ",
    "ㅝ": "ㅜㅓ",
    "ㅞ": "ㅜㅔ",
    "ㅟ": "ㅜㅣ",
    "ㅢ": "ㅡㅣ",
    "ㅑ": "ㅣㅏ",
    "ㅒ": "ㅣㅐ",
    "ㅕ": "ㅣㅓ",
    "ㅖ": "ㅣㅔ",
    "ㅛ": "ㅣㅗ",
    "ㅠ": "ㅣㅜ",
}
_PUNCT_MAP = PUNCTUATION_MAP
# Single characters of the v2 symbol table that Korean text can still contain at the end.
_KEPT = frozenset("ㄱㄴㄷㄹㅁㅂㅅㅇㅈㅊㅋㅌㅍㅎㄲㄸㅃㅆㅉㅏㅓㅗㅜㅡㅣㅐㅔ空停!?…,.-_[]BDFGIKLMNPRSTUVWYZ")
_KEPT |= frozenset("abcdefghijklmnopqrstuvwxyz")


def normalize(text: str) -> str:
    """GPT-SoVITS has no Korean text normalisation: the text is used as is."""
    return text


def _number_words(num: str, sino: bool) -> str:
    """g2pk2 ``process_num``: Sino-Korean (일, 이, ...) or native modifying (한, 두, ...) numerals."""
    num = num.replace(",", "")
    if num == "0":
        return "영"
    if not sino and num == "20":
        return "스무"
    words: list[str] = []
    name = ""  # deliberately carried over: g2pk2 reuses the previous name beyond 10^15
    for k, digit in enumerate(num):
        i = len(num) - k - 1
        if i == 0:
            name = _SINO_DIGITS.get(digit, "") if sino else _NATIVE_UNITS.get(digit, "")
        elif i == 1:
            name = (
                (_SINO_DIGITS.get(digit, "") + "십").replace("일십", "십")
                if sino
                else _NATIVE_TENS.get(digit, "")
            )
        # zeros are silent, except at a 10^4k place (만, 억, 조) when one of the three digits before it is not
        if digit == "0" and (i % 4 != 0 or "".join(words[-min(3, len(words)) :]) == ""):
            words.append("")
            continue
        if i in _PLACES:
            name = _SINO_DIGITS.get(digit, "") + _PLACES[i]
            if i in _ONE_DROPPED:
                name = name.replace("일" + _PLACES[i], _PLACES[i])
        words.append(name)
    return "".join(words)


def _spell_numbers(text: str) -> str:
    # longest numbers first, so that replacing "3개/B" cannot clobber "13개/B"
    for num, counter in sorted(set(_COUNTED_NUMBER_RE.findall(text)), key=lambda t: (-len(t[0]), t)):
        spelled = _number_words(num, sino=counter not in _NATIVE_COUNTERS)
        text = text.replace(f"{num}{counter}/B", f"{spelled}{counter}/B")
    for digit, name in zip("0123456789", "영일이삼사오육칠팔구", strict=True):
        text = text.replace(digit, name)
    return text


class _G2pk:
    def __init__(self) -> None:
        import mecab

        rules = json.loads((DATA / "ko_g2pk2_rules.json").read_text(encoding="utf-8"))
        self.idioms: list[tuple[str, str]] = [tuple(r) for r in rules["idioms"]]
        self.table: list[tuple[re.Pattern[str], str]] = [
            (re.compile(a), b) for a, b in rules["batchim_onset"]
        ]
        from jamo import h2j

        self.special = [(re.compile(h2j(a)), h2j(b)) for a, b in _SPECIAL_RULES]
        self.mecab: Any = mecab.MeCab()
        self.lock = threading.Lock()

    def annotate(self, text: str) -> str:
        """Append g2pk2's POS marks after the last character of the relevant morphemes."""
        with self.lock:
            tokens: list[tuple[str, str]] = self.mecab.pos(text)
        if text.replace(" ", "") != "".join(token for token, _ in tokens):
            return text
        tags = []
        for token, tag in tokens:
            tag = tag.split("+")[-1]
            tags.append("_" * (len(token) - 1) + ("B" if tag == "NNBC" else tag[0]))
        tag_seq = "".join(tags)
        for i, char in enumerate(text):
            if char == " ":
                tag_seq = tag_seq[:i] + " " + tag_seq[i:]
        from jamo import h2j

        out = []
        for char, tag in zip(text, tag_seq, strict=False):
            out.append(char)
            if char == "의" and tag == "J":
                out.append("/J")
            elif tag == "E" and h2j(char)[-1] == "ᆯ":
                out.append("/E")
            elif tag == "V" and h2j(char)[-1] in "ᆫᆬᆷᆱᆰᆲᆴ":
                out.append("/P")
            elif tag == "B":
                out.append("/B")
        return "".join(out)

    def __call__(self, text: str) -> str:
        from jamo import h2j

        for a, b in self.idioms:
            text = re.sub(a, b, text)
        text = h2j(_spell_numbers(self.annotate(text)))
        for pattern, repl in self.special:
            text = pattern.sub(repl, text)
        for pattern, repl in self.table:
            text = pattern.sub(repl, text)
        for a, b in _LIAISON:
            text = text.replace(a, b)
        return _compose(text)


def _compose(letters: str) -> str:
    """Conjoining jamo back to syllables; a vowel without an onset gets the silent ㅇ."""
    from jamo import j2h

    letters = re.sub("(^|[^\u1100-\u1112])([\u1161-\u1175])", r"\1ᄋ\2", letters)
    letters = re.sub("[\u1100-\u1112][\u1161-\u1175][\u11a8-\u11c2]", lambda m: j2h(*m.group(0)), letters)
    return re.sub("[\u1100-\u1112][\u1161-\u1175]", lambda m: j2h(*m.group(0)), letters)


def _fix_g2pk2(text: str) -> str:
    """GPT-SoVITS ``fix_g2pk2_error``: 을/를 + space + ㄹ-onset -> ㄴ onset."""
    out = []
    i = 0
    while i < len(text) - 4:
        if text[i : i + 3] in ("ㅇㅡㄹ", "ㄹㅡㄹ") and text[i + 3] == " " and text[i + 4] == "ㄹ":
            out.append(text[i : i + 3] + " ㄴ")
            i += 5
        else:
            out.append(text[i])
            i += 1
    return "".join(out) + text[i:]


_lock = threading.Lock()
_instance: _G2pk | None = None


def _g2pk() -> _G2pk:
    global _instance
    if _instance is None:
        with _lock:
            if _instance is None:
                _instance = _G2pk()
    return _instance


def g2p(norm_text: str) -> tuple[list[str], None]:
    """Korean phones: one compatibility jamo per symbol, 空 for spaces, 停 for anything unknown."""
    from jamo import h2j, j2hcj

    text = _LATIN_RE.sub(lambda m: _LATIN_NAMES[m.group(0).lower()], norm_text)
    text = j2hcj(h2j(_g2pk()(text)))
    text = "".join(_VOWEL_SPLITS.get(c, c) for c in text)
    text = _fix_g2pk2(text)
    text = re.sub(r"([\u3131-\u3163])$", r"\1.", text)
    phones = []
    for ch in text:
        ch = "空" if ch == " " else _PUNCT_MAP.get(ch, ch)
        phones.append(ch if ch in _KEPT else "停")
    return phones, None

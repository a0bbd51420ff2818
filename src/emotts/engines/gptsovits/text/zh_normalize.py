"""Chinese text normalisation (numbers, dates, times, units, phone numbers, ...) as GPT-SoVITS applies it
before Cantonese (and Mandarin) G2P.

Behaviour follows GPT-SoVITS ``text/zh_normalization`` (``TextNormalizer``; MIT, itself adapted from
PaddleSpeech, Apache-2.0): the text is split into sentences after sentence punctuation, then each sentence
is converted to simplified characters, full-width letters/digits are narrowed, and every kind of number
is spelled out in Chinese by an ordered list of regex rules. The traditional -> simplified table is in
``data/zh_t2s.json``.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Callable
from functools import cache
from pathlib import Path

__all__ = ["normalize_sentence", "normalize_sentences", "num2str", "traditional_to_simplified"]

DATA = Path(__file__).resolve().parent / "data"

_DIGITS = dict(zip("0123456789", "零一二三四五六七八九", strict=True))
_UNITS = {1: "十", 2: "百", 3: "千", 4: "万", 8: "亿"}


@cache
def traditional_to_simplified() -> dict[int, str]:
    """A str.translate table: traditional characters → simplified (GPT-SoVITS's char_convert)."""
    table = json.loads((DATA / "zh_t2s.json").read_text(encoding="utf-8"))
    return {ord(t): s for t, s in zip(table["traditional"], table["simplified"], strict=True)}


_NARROW = {ord(c) + 65248: ord(c) for c in string.ascii_letters + string.digits} | {0x3000: ord(" ")}


# --- number verbalisation -----------------------------------------------------------------------------


def _cardinal_parts(value: str, use_zero: bool = True) -> list[str]:
    stripped = value.lstrip("0")
    if not stripped:
        return []
    if len(stripped) == 1:
        if use_zero and len(stripped) < len(value):
            return [_DIGITS["0"], _DIGITS[stripped]]
        return [_DIGITS[stripped]]
    unit = max(power for power in _UNITS if power < len(stripped))
    return [*_cardinal_parts(value[:-unit]), _UNITS[unit], *_cardinal_parts(value[-unit:])]


def verbalize_cardinal(value: str) -> str:
    """ "1024" -> "一千零二十四", "10" -> "十" (a leading 一十 is shortened)."""
    if not value:
        return ""
    value = value.lstrip("0")
    if not value:
        return _DIGITS["0"]
    parts = _cardinal_parts(value)
    if len(parts) >= 2 and parts[0] == _DIGITS["1"] and parts[1] == _UNITS[1]:
        parts = parts[1:]
    return "".join(parts)


def verbalize_digits(value: str, alt_one: bool = False) -> str:
    """Digit by digit; ``alt_one`` reads 1 as 幺 (phone numbers)."""
    result = "".join(_DIGITS[d] for d in value)
    return result.replace("一", "幺") if alt_one else result


def num2str(value: str) -> str:
    """ "3.20" -> "三点二", ".5" -> "零点五": cardinal integer part, digit-by-digit decimals."""
    integer, _, decimal = value.partition(".")
    if "." in decimal:
        raise ValueError(f"more than one decimal point in {value!r}")
    result = verbalize_cardinal(integer)
    decimal = decimal.rstrip("0") + "0" if decimal.endswith("0") else decimal.rstrip("0")
    if decimal:
        result = (result or "零") + "点" + verbalize_digits(decimal)
    return result


def _time_part(value: str) -> str:
    result = num2str(value.lstrip("0"))
    return _DIGITS["0"] + result if value.startswith("0") else result


# --- rules, in the order TextNormalizer applies them -----------------------------------------------------

_DATE_RE = re.compile(r"(\d{4}|\d{2})年((0?[1-9]|1[0-2])月)?(((0?[1-9])|((1|2)[0-9])|30|31)([日号]))?")
_DATE2_RE = re.compile(r"(\d{4})([- /.])(0[1-9]|1[012])\2(0[1-9]|[12][0-9]|3[01])")
_CLOCK = r"([0-1]?[0-9]|2[0-3]):([0-5][0-9])(:([0-5][0-9]))?"
_TIME_RANGE_RE = re.compile(_CLOCK + r"(~|-)" + _CLOCK)
_TIME_RE = re.compile(_CLOCK)
_UNIT_ALTS = r"(%|°C|℃|度|摄氏度|cm2|cm²|cm3|cm³|cm|db|ds|kg|km|m2|m²|m³|m3|ml|m|mm|s)"
_NUM = r"((-?)((\d+)(\.\d+)?)|(\.(\d+)))"
_TO_RANGE_RE = re.compile(_NUM + _UNIT_ALTS + "[~]" + _NUM + _UNIT_ALTS)
_TEMPERATURE_RE = re.compile(r"(-?)(\d+(\.\d+)?)(°C|℃|度|摄氏度)")
_MEASURES = {
    "cm2": "平方厘米",
    "cm²": "平方厘米",
    "cm3": "立方厘米",
    "cm³": "立方厘米",
    "cm": "厘米",
    "db": "分贝",
    "ds": "毫秒",
    "kg": "千克",
    "km": "千米",
    "m2": "平方米",
    "m²": "平方米",
    "m³": "立方米",
    "m3": "立方米",
    "ml": "毫升",
    "m": "米",
    "mm": "毫米",
    "s": "秒",
}
_SUP = "[⁰¹²³⁴⁵⁶⁷⁸⁹ˣʸⁿ]*"
_OPERAND = rf"((-?)((\d+)(\.\d+)?{_SUP})|(\.\d+{_SUP})|([A-Za-z]{_SUP}))"
_ARITHMETIC_RE = re.compile(_OPERAND + r"([\+\-\×÷=])" + _OPERAND)
_OPERATORS = {"+": "加", "-": "减", "×": "乘", "÷": "除", "=": "等于"}
_POWER_RE = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹ˣʸⁿ]+")
_POWER_CHARS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹ˣʸⁿ", "0123456789xyn", strict=True))
_FRACTION_RE = re.compile(r"(-?)(\d+)/(\d+)")
_PERCENT_RE = re.compile(r"(-?)(\d+(\.\d+)?)%")
_MOBILE_RE = re.compile(r"(?<!\d)((\+?86 ?)?1([38]\d|5[0-35-9]|7[678]|9[89])\d{8})(?!\d)")
_TELEPHONE_RE = re.compile(r"(?<!\d)((0(10|2[1-3]|[3-9]\d{2})-?)?[1-9]\d{6,7})(?!\d)")
_UNIFORM_NUMBER_RE = re.compile(r"(400)(-)?\d{3}(-)?\d{4}")
_RANGE_RE = re.compile(r"(?<![\d\+\-\×÷=])((-?)((\d+)(\.\d+)?))[-~]((-?)((\d+)(\.\d+)?))(?![\d\+\-\×÷=])")
_NEGATIVE_RE = re.compile(r"(-)(\d+)")
_VERSION_RE = re.compile(r"((\d+)(\.\d+)(\.\d+)?(\.\d+)+)")
_DECIMAL_RE = re.compile(r"(-?)((\d+)(\.\d+))|(\.(\d+))")
_QUANTIFIERS = (
    "(处|台|架|枚|趟|幅|平|方|堵|间|床|株|批|项|例|列|篇|栋|注|亩|封|艘|把|目|套|段|人|所|朵|匹|张|座|回|场|尾|条|个|"
    "首|阙|阵|网|炮|顶|丘|棵|只|支|袭|辆|挑|担|颗|壳|窠|曲|墙|群|腔|砣|座|客|贯|扎|捆|刀|令|打|手|罗|坡|山|岭|江|溪|"
    "钟|队|单|双|对|出|口|头|脚|板|跳|枝|件|贴|针|线|管|名|位|身|堂|课|本|页|家|户|层|丝|毫|厘|分|钱|两|斤|担|铢|石|"
    "钧|锱|忽|(千|毫|微)克|毫|厘|(公)分|分|寸|尺|丈|里|寻|常|铺|程|(千|分|厘|毫|微)米|米|撮|勺|合|升|斗|石|盘|碗|碟|"
    "叠|桶|笼|盆|盒|杯|钟|斛|锅|簋|篮|盘|桶|罐|瓶|壶|卮|盏|箩|箱|煲|啖|袋|钵|年|月|日|季|刻|时|周|天|秒|分|小时|旬|"
    "纪|岁|世|更|夜|春|夏|秋|冬|代|伏|辈|丸|泡|粒|颗|幢|堆|条|根|支|道|面|片|张|颗|块|元|(亿|千万|百万|万|千|百)|"
    "(亿|千万|百万|万|千|百|美|)元|(亿|千万|百万|万|千|百|十|)吨|(亿|千万|百万|万|千|百|)块|角|毛|分)"
)
_QUANTIFIER_RE = re.compile(r"(\d+)([多余几\+])?" + _QUANTIFIERS)
_DEFAULT_NUM_RE = re.compile(r"\d{3}\d*")
_NUMBER_RE = re.compile(r"(-?)((\d+)(\.\d+)?)|(\.(\d+))")


def _date(m: re.Match[str]) -> str:
    year, month, day = m.group(1), m.group(3), m.group(5)
    result = f"{verbalize_digits(year)}年" if year else ""
    if month:
        result += f"{verbalize_cardinal(month)}月"
    if day:
        result += f"{verbalize_cardinal(day)}{m.group(9)}"
    return result


def _date2(m: re.Match[str]) -> str:
    year, month, day = (
        verbalize_digits(m.group(1)),
        verbalize_cardinal(m.group(3)),
        verbalize_cardinal(m.group(4)),
    )
    return f"{year}年{month}月{day}日"


def _clock(hour: str, minute: str, second: str | None, half_if: str) -> str:
    result = f"{num2str(hour)}点"
    if minute.lstrip("0"):
        # the reference tests the *first* minute for "half past" in both ends of a range
        result += "半" if int(half_if) == 30 else f"{_time_part(minute)}分"
    if second and second.lstrip("0"):
        result += f"{_time_part(second)}秒"
    return result


def _time(m: re.Match[str]) -> str:
    result = _clock(m.group(1), m.group(2), m.group(4), m.group(2))
    if len(m.groups()) > 5:
        result += "至" + _clock(m.group(6), m.group(7), m.group(9), m.group(2))
    return result


def _temperature(m: re.Match[str]) -> str:
    sign = "零下" if m.group(1) else ""
    unit = "摄氏度" if m.group(4) == "摄氏度" else "度"
    return f"{sign}{num2str(m.group(2))}{unit}"


def _measures(sentence: str) -> str:
    for notation, words in _MEASURES.items():
        sentence = sentence.replace(notation, words)
    return sentence


def _power(m: re.Match[str]) -> str:
    return "的" + "".join(_POWER_CHARS[c] for c in m.group(0)) + "次方"


def _fraction(m: re.Match[str]) -> str:
    sign = "负" if m.group(1) else ""
    return f"{sign}{num2str(m.group(3))}分之{num2str(m.group(2))}"


def _percent(m: re.Match[str]) -> str:
    sign = "负" if m.group(1) else ""
    return f"{sign}百分之{num2str(m.group(2))}"


def _mobile(m: re.Match[str]) -> str:
    return "，".join(verbalize_digits(part, alt_one=True) for part in m.group(0).strip("+").split())


def _phone(m: re.Match[str]) -> str:
    return "，".join(verbalize_digits(part, alt_one=True) for part in m.group(0).split("-"))


def _number(m: re.Match[str]) -> str:
    if m.group(5):
        return num2str(m.group(5))
    return ("负" if m.group(1) else "") + num2str(m.group(2))


def _range(m: re.Match[str]) -> str:
    return f"{_NUMBER_RE.sub(_number, m.group(1))}到{_NUMBER_RE.sub(_number, m.group(6))}"


def _negative(m: re.Match[str]) -> str:
    return ("负" if m.group(1) else "") + num2str(m.group(2))


def _version(m: re.Match[str]) -> str:
    return "".join("点" if c == "." else num2str(c) for c in m.group(1))


def _quantifier(m: re.Match[str]) -> str:
    more = "多" if m.group(2) == "+" else (m.group(2) or "")
    number = num2str(m.group(1))
    return f"{'两' if number == '二' else number}{more}{m.group(3)}"


def _arithmetic(sentence: str) -> str:
    while _ARITHMETIC_RE.search(sentence):
        sentence = _ARITHMETIC_RE.sub(lambda m: m.group(1) + _OPERATORS[m.group(8)] + m.group(9), sentence)
    return sentence


_RULES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]] | Callable[[str], str]] = [
    (_DATE_RE, _date),
    (_DATE2_RE, _date2),
    (_TIME_RANGE_RE, _time),
    (_TIME_RE, _time),
    (_TO_RANGE_RE, lambda m: m.group(0).replace("~", "至")),
    (_TEMPERATURE_RE, _temperature),
    _measures,
    _arithmetic,
    (_POWER_RE, _power),
    (_FRACTION_RE, _fraction),
    (_PERCENT_RE, _percent),
    (_MOBILE_RE, _mobile),
    (_TELEPHONE_RE, _phone),
    (_UNIFORM_NUMBER_RE, _phone),
    (_RANGE_RE, _range),
    (_NEGATIVE_RE, _negative),
    (_VERSION_RE, _version),
    (_DECIMAL_RE, _number),
    (_QUANTIFIER_RE, _quantifier),
    (_DEFAULT_NUM_RE, lambda m: verbalize_digits(m.group(0), alt_one=True)),
    (_NUMBER_RE, _number),
]

_GREEK = {
    "α": "阿尔法",
    "β": "贝塔",
    "γ": "伽玛",
    "Γ": "伽玛",
    "δ": "德尔塔",
    "Δ": "德尔塔",
    "ε": "艾普西龙",
    "ζ": "捷塔",
    "η": "依塔",
    "θ": "西塔",
    "Θ": "西塔",
    "ι": "艾欧塔",
    "κ": "喀帕",
    "λ": "拉姆达",
    "Λ": "拉姆达",
    "μ": "缪",
    "ν": "拗",
    "ξ": "克西",
    "Ξ": "克西",
    "ο": "欧米克伦",
    "π": "派",
    "Π": "派",
    "ρ": "肉",
    "ς": "西格玛",
    "Σ": "西格玛",
    "σ": "西格玛",
    "τ": "套",
    "υ": "宇普西龙",
    "φ": "服艾",
    "Φ": "服艾",
    "χ": "器",
    "ψ": "普赛",
    "Ψ": "普赛",
    "ω": "欧米伽",
    "Ω": "欧米伽",
}
_POST_REPLACE = {"/": "每", **dict(zip("①②③④⑤⑥⑦⑧⑨⑩", "一二三四五六七八九十", strict=True)), **_GREEK}
_POST_REPLACE |= {"+": "加", "-": "减", "×": "乘", "÷": "除", "=": "等"}
_POST_REMOVE_RE = re.compile(r"[-——《》【】<=>{}()（）#&@“”^_|\\]")
_SPLIT_REMOVE_RE = re.compile(r"[——《》【】<>{}()（）#&@“”^_|\\]")
_SENTENCE_END_RE = re.compile(r"([：、，；。？！,;?!][”’]?)")


def normalize_sentence(sentence: str) -> str:
    """One sentence: simplified characters, narrow letters/digits, every number spelled out."""
    sentence = sentence.translate(traditional_to_simplified()).translate(_NARROW)
    for rule in _RULES:
        sentence = rule[0].sub(rule[1], sentence) if isinstance(rule, tuple) else rule(sentence)
    sentence = "".join(_POST_REPLACE.get(c, c) for c in sentence)
    return _POST_REMOVE_RE.sub("", sentence)


def normalize_sentences(text: str) -> list[str]:
    """``TextNormalizer().normalize``: spaces and brackets removed, split after sentence punctuation."""
    text = _SPLIT_REMOVE_RE.sub("", text.replace(" ", ""))
    text = _SENTENCE_END_RE.sub(r"\1\n", text).strip()
    return [normalize_sentence(s.strip()) for s in re.split(r"\n+", text)]

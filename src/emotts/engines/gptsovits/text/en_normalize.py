"""English text normalisation as GPT-SoVITS does it before G2P (numbers, money, times, units, fractions, ...).

Behaviour follows GPT-SoVITS ``text/english.py`` + ``text/en_normalization/expend.py`` (MIT), whose number
words come from the ``inflect`` package; the small part of inflect that is used (cardinals with an optional
"and", the two-digit "year" grouping and ordinals) is re-implemented here, including its comma placement
("one thousand, two hundred thirty-four") because commas become pause phones.
"""

from __future__ import annotations

import re
import unicodedata

_UNITS = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_TEENS = [
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = [
    "",
    "thousand",
    "million",
    "billion",
    "trillion",
    "quadrillion",
    "quintillion",
    "sextillion",
    "septillion",
    "octillion",
    "nonillion",
    "decillion",
]
_ORDINAL_ENDINGS = {
    "ty": "tieth",
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}
_ORDINAL_ENDING_RE = re.compile(f"({'|'.join(_ORDINAL_ENDINGS)})\\Z")
_NUMERIC_SUFFIXES = {"st", "nd", "rd", "th"}


def _two_digits(tens: int, units: int) -> str:
    if tens == 1:
        return _TEENS[units]
    if tens and units:
        return f"{_TENS[tens]}-{_UNITS[units]}"
    return _TENS[tens] or _UNITS[units]


def _group_words(group: int, andword: str) -> str:
    """Words for 0..999 (empty for 0)."""
    hundreds, rest = divmod(group, 100)
    tail = _two_digits(*divmod(rest, 10)) if rest else ""
    if not hundreds:
        return tail
    head = f"{_UNITS[hundreds]} hundred"
    if not tail:
        return head
    return f"{head} {andword} {tail}" if andword else f"{head} {tail}"


def ordinal_of_words(words: str) -> str:
    """ "twenty-one" -> "twenty-first", "four" -> "fourth" (inflect's word ordinal)."""
    new = _ORDINAL_ENDING_RE.sub(lambda m: _ORDINAL_ENDINGS[m.group(1)], words)
    return new if new != words else words + "th"


def ordinal_suffix(digits: str) -> str:
    """ "12" -> "12th", "21" -> "21st" (inflect's numeric ordinal of a digit string)."""
    n = int(digits)
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th") if n % 100 not in (11, 12, 13) else "th"
    return digits + suffix


def number_to_words(num: int | str, andword: str = "and") -> str:
    """Cardinal (or, for "21st"-style strings, ordinal) words in inflect's default style.

    Thousands groups are separated by ", " except that a last group of a single word is joined with
    ``andword`` instead ("one thousand and one"; with ``andword=""``: "one thousand one").
    """
    text = str(num)
    ordinal = text[-2:] in _NUMERIC_SUFFIXES
    digits = re.sub(r"\D", "", text[:-2] if ordinal else text) or "0"
    value = int(digits)
    if value >= 1000 ** len(_SCALES):  # inflect raises here; read such numbers digit by digit instead
        return " ".join(_UNITS[int(d)] or "zero" for d in str(value))
    if value == 0:
        chunks = ["zero"]
    elif value == 1:
        chunks = ["one"]
    else:
        groups: list[str] = []
        scale = 0
        while value:
            value, group = divmod(value, 1000)
            if group:
                words = _group_words(group, andword)
                groups.append(f"{words} {_SCALES[scale]}".rstrip())
            scale += 1
        chunks = groups[::-1]
        if len(chunks) > 1 and " " not in chunks[-1]:
            last = chunks.pop()
            chunks[-1] = f"{chunks[-1]} {andword} {last}" if andword else f"{chunks[-1]} {last}"
    if ordinal:
        chunks[-1] = ordinal_of_words(chunks[-1])
    return ", ".join(chunks)


def year_words(num: int) -> str:
    """Digits read in pairs, "oh" for a leading 0: 1990 -> "nineteen ninety", 1905 -> "nineteen oh five"."""
    digits = str(num)
    head = (len(digits) - 1) % 2 + 1
    pairs = [digits[:head]] + [digits[i : i + 2] for i in range(head, len(digits), 2)]
    words = []
    for pair in pairs:
        if len(pair) == 1:
            words.append(_UNITS[int(pair)] or "oh")
            continue
        tens, units = int(pair[0]), int(pair[1])
        if tens:
            words.append(_two_digits(tens, units))
        else:
            words.append(f"oh {_UNITS[units]}" if units else "oh oh")
    return " ".join(words)


# --- expend.normalize ------------------------------------------------------------------------------------

_MEASUREMENTS = {
    "m": ("meter", "meters"),
    "km": ("kilometer", "kilometers"),
    "km/h": ("kilometer per hour", "kilometers per hour"),
    "ft": ("feet", "feet"),
    "L": ("liter", "liters"),
    "tbsp": ("tablespoon", "tablespoons"),
    "tsp": ("teaspoon", "teaspoons"),
    "h": ("hour", "hours"),
    "min": ("minute", "minutes"),
    "s": ("second", "seconds"),
    "°C": ("degree celsius", "degrees celsius"),
    "°F": ("degree fahrenheit", "degrees fahrenheit"),
}

_ORDINAL_DOT_RE = re.compile(r"\b([0-9]+)\. ")
_COMMA_NUMBER_RE = re.compile(r"([0-9][0-9\,]+[0-9])")
_TIME_RE = re.compile(r"\b([01]?[0-9]|2[0-3]):([0-5][0-9])\b")
_MEASUREMENT_RE = re.compile(r"\b([0-9]+(\.[0-9]+)?(m|km|km/h|ft|L|tbsp|tsp|h|min|s|°C|°F))\b")
_POUNDS_START_RE = re.compile(r"£([0-9\.\,]*[0-9]+)")
_POUNDS_END_RE = re.compile(r"([0-9\.\,]*[0-9]+)£")
_DOLLARS_START_RE = re.compile(r"\$([0-9\.\,]*[0-9]+)")
_DOLLARS_END_RE = re.compile(r"([(0-9\.\,]*[0-9]+)\$")
_DECIMAL_RE = re.compile(r"([0-9]+\.\s*[0-9]+)")
_FRACTION_RE = re.compile(r"([0-9]+/[0-9]+)")
_ORDINAL_RE = re.compile(r"[0-9]+(st|nd|rd|th)")
_NUMBER_RE = re.compile(r"[0-9]+")
_OPERAND = r"((-?)((\d+)(\.\d+)?[⁰¹²³⁴⁵⁶⁷⁸⁹ˣʸⁿ]*)|(\.\d+[⁰¹²³⁴⁵⁶⁷⁸⁹ˣʸⁿ]*)|([A-Za-z][⁰¹²³⁴⁵⁶⁷⁸⁹ˣʸⁿ]*))"
_ARITHMETIC_RE = re.compile(_OPERAND + r"\s+([\+\-\×÷=])\s+" + _OPERAND)
_OPERATORS = {"+": " plus ", "-": " minus ", "×": " times ", "÷": " divided by ", "=": " Equals "}
_NEGATIVE_RE = re.compile(r"(?:^|\s+)(-)(\d+)")


def _ordinal_dot(m: re.Match[str]) -> str:
    return ordinal_suffix(m.group(1)) + ", "


def _time(m: re.Match[str]) -> str:
    hours, minutes = int(m.group(1)), int(m.group(2))
    period = "a.m." if hours < 12 else "p.m."
    if hours > 12:
        hours -= 12
    if minutes == 0:
        return f"{number_to_words(hours)} o'clock {period}"
    return f"{number_to_words(hours)} {number_to_words(minutes)} {period}"


def _measurement(m: re.Match[str]) -> str:
    unit = m.group(3)
    amount = int(m.group(1).replace(unit, "").replace(".", ""))
    plural = not (m.group(2) is None and amount == 1)
    return m.group(1).replace(unit, " " + _MEASUREMENTS[unit][plural])


def _money(units: tuple[str, str], subunits: tuple[str, str], zero: str):
    def expand(m: re.Match[str]) -> str:
        match = m.group(1)
        parts = match.split(".")
        if len(parts) > 2:
            return f"{match} {units[1]}"
        whole = int(parts[0]) if parts[0] else 0
        cents = int(parts[1].ljust(2, "0")) if len(parts) > 1 and parts[1] else 0
        whole_text = f"{whole} {units[whole != 1]}"
        cents_text = f"{cents} {subunits[cents != 1]}"
        if whole and cents:
            return f"{whole_text} and {cents_text}"
        if whole:
            return whole_text
        if cents:
            return cents_text
        return zero

    return expand


_pounds = _money(("pound", "pounds"), ("penny", "pence"), "zero pounds")
_dollars = _money(("dollar", "dollars"), ("cent", "cents"), "zero dollars")


def _decimal(m: re.Match[str]) -> str:
    whole, fraction = m.group(1).split(".")
    return whole + " point " + " ".join(fraction)


def _fraction(m: re.Match[str]) -> str:
    numerator, denominator = map(int, m.group(0).split("/"))
    numerator_words = number_to_words(numerator)
    if denominator == 1:
        return numerator_words
    if denominator == 2:
        denominator_words = "half" if numerator == 1 else "halves"
    else:
        denominator_words = ordinal_of_words(number_to_words(denominator))
        if numerator > 1:
            denominator_words += "s"
    return f"{numerator_words} {denominator_words}"


def _number(m: re.Match[str]) -> str:
    num = int(m.group(0))
    if 1000 < num < 3000:
        if num == 2000:
            return "two thousand"
        if 2000 < num < 2010:
            return "two thousand " + number_to_words(num % 100)
        if num % 100 == 0:
            return number_to_words(num // 100) + " hundred"
        return year_words(num)
    return number_to_words(num, andword="")


def expand(text: str) -> str:
    """GPT-SoVITS ``en_normalization.expend.normalize``: spell out numbers and symbols, keep only letters,
    spaces and ``'.,?!-``, and split runs of capitals into letters ("IBM" -> "I B M")."""
    text = _ORDINAL_DOT_RE.sub(_ordinal_dot, text)
    while _ARITHMETIC_RE.search(text):
        text = _ARITHMETIC_RE.sub(lambda m: m.group(1) + _OPERATORS[m.group(8)] + m.group(9), text)
    text = _NEGATIVE_RE.sub(lambda m: f"negative {m.group(2)}", text)
    text = _COMMA_NUMBER_RE.sub(lambda m: m.group(1).replace(",", ""), text)
    text = _TIME_RE.sub(_time, text)
    text = _MEASUREMENT_RE.sub(_measurement, text)
    text = _POUNDS_START_RE.sub(_pounds, text)
    text = _POUNDS_END_RE.sub(_pounds, text)
    text = _DOLLARS_START_RE.sub(_dollars, text)
    text = _DOLLARS_END_RE.sub(_dollars, text)
    text = _DECIMAL_RE.sub(_decimal, text)
    text = _FRACTION_RE.sub(_fraction, text)
    text = _ORDINAL_RE.sub(lambda m: number_to_words(m.group(0)), text)
    text = _NUMBER_RE.sub(_number, text)
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    text = text.replace("%", " percent")
    text = re.sub(r"[^ A-Za-z'.,?!\-]", "", text)
    text = re.sub(r"(?i)i\.e\.", "that is", text)
    text = re.sub(r"(?i)e\.g\.", "for example", text)
    return re.sub(r"(?<!^)(?<![\s])([A-Z])", r" \1", text)


# english.py maps these literally (its patterns are re.escape'd, so the two bracket "classes" never match
# anything but themselves; ";" and ":" are therefore dropped later instead of becoming commas).
_LITERAL_MAP = {"[;:：，；]": ",", '["’]': "'", "。": ".", "！": "!", "？": "?"}
_LITERAL_RE = re.compile("|".join(re.escape(k) for k in _LITERAL_MAP))
_PUNCTUATION = "!?…,.-"
_REPEATED_PUNCTUATION_RE = re.compile(f"([{re.escape(_PUNCTUATION)}\\s])([{re.escape(_PUNCTUATION)}])+")


def normalize(text: str) -> str:
    """English ``text_normalize``: literal CJK punctuation map, :func:`expand`, collapse punctuation runs."""
    text = _LITERAL_RE.sub(lambda m: _LITERAL_MAP[m.group(0)], text)
    text = expand(text)
    return _REPEATED_PUNCTUATION_RE.sub(r"\1", text)

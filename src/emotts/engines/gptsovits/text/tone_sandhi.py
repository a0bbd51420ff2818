"""Mandarin tone sandhi as GPT-SoVITS applies it (its `text/tone_sandhi.py`, from PaddleSpeech).

Words from jieba's part-of-speech cut are first re-merged (不 and 一 with their neighbours, reduplications,
runs of third tones, 儿), then each word's pypinyin finals (`FINALS_TONE3`, neutral tone 5) are adjusted:
不 before a fourth tone → bu2; 一 → yi2/yi4/neutral; neutral-tone particles, suffixes and listed words; third
tone before third tone → second. The word lists are data (`data/zh_neutral_tone.json`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

import jieba
from pypinyin import Style, lazy_pinyin

DATA = Path(__file__).resolve().parent / "data" / "zh_neutral_tone.json"
PUNCTUATION = "：，；。？！“”‘’':,;.?!"
Segment = list[list[str]]  # [word, part of speech] pairs


@cache
def _words() -> tuple[frozenset[str], frozenset[str]]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    return frozenset(data["must_neutral"]), frozenset(data["must_not_neutral"])


def _tone(final: str, tone: str) -> str:
    return final[:-1] + tone


def _all_third(finals: list[str]) -> bool:
    return all(f[-1] == "3" for f in finals)


def _finals(word: str) -> list[str]:
    return lazy_pinyin(word, neutral_tone_with_five=True, style=Style.FINALS_TONE3)


def split_word(word: str) -> list[str]:
    """Two parts: the shortest search-mode sub-word and the rest, in word order."""
    first = sorted(jieba.cut_for_search(word), key=len)[0]
    if word.find(first) == 0:
        return [first, word[len(first) :]]
    return [word[: -len(first)], first]


# -- merging -----------------------------------------------------------------------------------------------


def _merge_bu(seg: Segment) -> Segment:
    out: Segment = []
    last = ""
    for word, pos in seg:
        if last == "不":
            word = last + word
        if word != "不":
            out.append([word, pos])
        last = word
    if last == "不":
        out.append([last, "d"])
    return out


def _merge_yi(seg: Segment) -> Segment:
    merged: Segment = []
    i = 0
    while i < len(seg):
        word, pos = seg[i]
        if i >= 1 and word == "一" and i + 1 < len(seg):
            last = merged[-1] if merged else seg[i - 1]
            if last[0] == seg[i + 1][0] and last[1] == "v" and seg[i + 1][1] == "v":  # 看一看
                merged[-1] = [last[0] + "一" + seg[i + 1][0], last[1]]
                i += 2
                continue
        merged.append([word, pos])
        i += 1
    out: Segment = []
    for word, pos in merged:
        if out and out[-1][0] == "一":
            out[-1][0] += word
        else:
            out.append([word, pos])
    return out


def _merge_reduplication(seg: Segment) -> Segment:
    out: Segment = []
    for word, pos in seg:
        if out and word == out[-1][0]:
            out[-1][0] += word
        else:
            out.append([word, pos])
    return out


def _merge_third_tones(seg: Segment, whole_words: bool) -> Segment:
    """Join neighbours that are all third tone (or meet on third tones) into words of at most 3 characters."""
    finals = [_finals(word) for word, _ in seg]
    out: Segment = []
    merged_last = [False] * len(seg)
    for i, (word, pos) in enumerate(seg):
        if i >= 1 and not merged_last[i - 1]:
            if whole_words:
                meet = _all_third(finals[i - 1]) and _all_third(finals[i])
            else:
                meet = finals[i - 1][-1][-1] == "3" and finals[i][0][-1] == "3"
            previous = seg[i - 1][0]
            reduplication = len(previous) == 2 and previous[0] == previous[1]
            if meet and not reduplication and len(previous) + len(word) <= 3:
                out[-1][0] += word
                merged_last[i] = True
                continue
        out.append([word, pos])
    return out


def _merge_er(seg: Segment) -> Segment:
    out: Segment = []
    for i, (word, pos) in enumerate(seg):
        if i >= 1 and word == "儿" and seg[i - 1][0] != "#":
            out[-1][0] += word
        else:
            out.append([word, pos])
    return out


def _tolerant(merge: Callable[[Segment], Segment], words: Segment) -> Segment:
    """The reference skips a merge step that fails on odd input (e.g. an empty word) and goes on."""
    try:
        return merge(words)
    except IndexError:
        return words


def pre_merge(seg: list[tuple[str, str]]) -> Segment:
    words: Segment = [[word, pos] for word, pos in seg]
    words = _merge_bu(words)
    words = _tolerant(_merge_yi, words)
    words = _merge_reduplication(words)
    words = _tolerant(lambda w: _merge_third_tones(w, whole_words=True), words)
    words = _tolerant(lambda w: _merge_third_tones(w, whole_words=False), words)
    return _merge_er(words)


# -- per-word tone changes -----------------------------------------------------------------------------------


def _bu(word: str, finals: list[str]) -> list[str]:
    if len(word) == 3 and word[1] == "不":  # 看不懂
        finals[1] = _tone(finals[1], "5")
        return finals
    for i, char in enumerate(word):
        if char == "不" and i + 1 < len(word) and finals[i + 1][-1] == "4":
            finals[i] = _tone(finals[i], "2")
    return finals


def _yi(word: str, finals: list[str]) -> list[str]:
    if "一" in word and all(c.isnumeric() for c in word if c != "一"):  # a number: 一 keeps its tone
        return finals
    if len(word) == 3 and word[1] == "一" and word[0] == word[-1]:
        finals[1] = _tone(finals[1], "5")
    elif word.startswith("第一"):
        finals[1] = _tone(finals[1], "1")
    else:
        for i, char in enumerate(word):
            if char == "一" and i + 1 < len(word):
                if finals[i + 1][-1] == "4":
                    finals[i] = _tone(finals[i], "2")
                elif word[i + 1] not in PUNCTUATION:
                    finals[i] = _tone(finals[i], "4")
    return finals


def _neutral(word: str, pos: str, finals: list[str]) -> list[str]:
    must, must_not = _words()
    for j in range(1, len(word)):
        if word[j] == word[j - 1] and pos[0] in "nva" and word not in must_not:
            finals[j] = _tone(finals[j], "5")
    ge = word.find("个")
    last = word[-1] if word else ""
    if (
        (last and last in "吧呢哈啊呐噻嘛吖嗨呐哦哒额滴哩哟喽啰耶喔诶")
        or (last and last in "的地得")
        or (len(word) == 1 and word in "了着过" and pos in {"ul", "uz", "ug"})
        or (len(word) > 1 and last in "们子" and pos in {"r", "n"} and word not in must_not)
        or (len(word) > 1 and last in "上下里" and pos in {"s", "l", "f"})
        or (len(word) > 1 and last in "来去" and word[-2] in "上下进出回过起开")
    ):
        finals[-1] = _tone(finals[-1], "5")
    elif (ge >= 1 and (word[ge - 1].isnumeric() or word[ge - 1] in "几有两半多各整每做是")) or word == "个":
        finals[ge] = _tone(finals[ge], "5")
    elif word in must or word[-2:] in must:
        finals[-1] = _tone(finals[-1], "5")
    parts = split_word(word)
    groups = [finals[: len(parts[0])], finals[len(parts[0]) :]]
    for part, group in zip(parts, groups, strict=True):
        if (part in must or part[-2:] in must) and group:
            group[-1] = _tone(group[-1], "5")
    return groups[0] + groups[1]


def _third(word: str, finals: list[str]) -> list[str]:
    if len(word) == 2 and _all_third(finals):
        finals[0] = _tone(finals[0], "2")
    elif len(word) == 3:
        parts = split_word(word)
        if _all_third(finals):
            if len(parts[0]) == 2:  # 蒙古/包 → 2 2 3
                finals[0], finals[1] = _tone(finals[0], "2"), _tone(finals[1], "2")
            elif len(parts[0]) == 1:  # 纸/老虎 → 3 2 3
                finals[1] = _tone(finals[1], "2")
        else:
            groups = [finals[: len(parts[0])], finals[len(parts[0]) :]]
            for i, group in enumerate(groups):
                if _all_third(group) and len(group) == 2:
                    group[0] = _tone(group[0], "2")
                elif i == 1 and not _all_third(group) and group[0][-1] == "3" and groups[0][-1][-1] == "3":
                    groups[0][-1] = _tone(groups[0][-1], "2")
            finals = groups[0] + groups[1]
    elif len(word) == 4:
        halves = [finals[:2], finals[2:]]
        finals = []
        for half in halves:
            if _all_third(half):
                half[0] = _tone(half[0], "2")
            finals += half
    return finals


def modified_tone(word: str, pos: str, finals: list[str]) -> list[str]:
    finals = _bu(word, finals)
    finals = _yi(word, finals)
    finals = _neutral(word, pos, finals)
    return _third(word, finals)

"""More training lines from each line: other sentence endings, other punctuation widths, an interjection.

Only training folds are augmented, after the split (see `split`), so no variant of a validation line is
ever trained on. Variants keep the emotion: a question stays a question, and the interjection put in front
fits the label (哼 for 愤怒, 呜呜 for 悲伤, 诶？ for 困惑).
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import replace

from emotts.emotion.training.dataset import Example, text_key

# Interjections that open a line of each emotion, punctuation included.
INTERJECTIONS: dict[str, tuple[str, ...]] = {
    "高兴": ("嘿嘿，", "哈哈，", "太好啦，"),
    "悲伤": ("呜呜，", "唉……", "呜……"),
    "愤怒": ("哼，", "喂！", "可恶，"),
    "惊讶": ("哇，", "诶？！", "天哪，"),
    "恐惧": ("啊……", "不、不要，", "呜哇，"),
    "厌恶": ("咦——", "呕，", "切，"),
    "中性": ("嗯，", "那个，", "好的，"),
    "害羞": ("那、那个……", "唔……", "诶嘿……"),
    "兴奋": ("耶！", "哇哦！", "冲呀！"),
    "舒适": ("呼～", "嗯～", "哈啊～"),
    "紧张": ("呃……", "那个、", "怎、怎么办，"),
    "爱慕": ("嗯～", "呐，", "亲爱的，"),
    "委屈": ("呜……", "哼……", "明明……"),
    "骄傲": ("哼哼，", "那当然，", "嘿，"),
    "困惑": ("诶？", "嗯？", "咦？"),
}

ENDINGS = ("！", "。", "～", "…")
_QUESTION = frozenset("？?")
_END_PUNCTUATION = frozenset("！!？?。.～~…,，、；;") | _QUESTION
_FULL = "！？，：；～（）"
_HALF = "!?,:;~()"
_TO_HALF = {**str.maketrans(_FULL, _HALF), ord("…"): "...", ord("。"): "."}
_TO_FULL = str.maketrans(_HALF, _FULL)  # "." stays: 3.5 is not 3。5


def variants(text: str, label: str) -> list[str]:
    """Every augmented form of a line, each once, the line itself excluded."""
    body = text.rstrip("".join(_END_PUNCTUATION))
    ending = text[len(body) :]
    forms: list[str] = []
    if body and not _QUESTION & set(ending):  # a question keeps its question mark
        forms += [body + mark for mark in ENDINGS]
    forms += [text.translate(_TO_HALF), text.replace("...", "…").translate(_TO_FULL)]
    for opener in INTERJECTIONS[label]:
        if not text.startswith(opener.rstrip("，、…！？～—")):  # no 哼，哼，
            forms.append(opener + text)
    return [form for form in dict.fromkeys(forms) if form != text]


def augment(
    examples: Sequence[Example], per_line: int, rng: random.Random, forbidden: Collection[str] = ()
) -> list[Example]:
    """`examples` followed by up to `per_line` random variants of each. A variant is left out when its text is
    already there or its `text_key` is in `forbidden` (the keys of the validation lines)."""
    seen = {example.text for example in examples}
    augmented = list(examples)
    for example in examples:
        fresh = [
            form
            for form in variants(example.text, example.label)
            if form not in seen and text_key(form) not in forbidden
        ]
        for form in rng.sample(fresh, min(per_line, len(fresh))):
            seen.add(form)
            augmented.append(replace(example, text=form))
    return augmented

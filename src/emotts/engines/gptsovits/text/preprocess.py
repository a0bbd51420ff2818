"""One text segment → phone ids + BERT features, as the reference's `TextPreprocessor.get_phones_and_bert`.

The segment is cut into language spans (`segment_languages`), each span goes through its language's G2P
(`clean_text`), and the spans are concatenated. Only Chinese spans get real BERT features; every other
phone gets a zero vector. A result of fewer than 6 phones is redone once with a leading "." (a very short
prompt makes the GPT model unstable; the dot adds a pause phone). A G2PW model, when given, reads the
Mandarin spans of v2+ models.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
from torch import Tensor

from emotts.engines.gptsovits.bert_features import BertFeatures
from emotts.engines.gptsovits.text.cleaner import clean_text
from emotts.engines.gptsovits.text.langsegment import segment_languages

if TYPE_CHECKING:
    from emotts.engines.gptsovits.text.g2pw import G2PW

_MIN_PHONES = 6


@dataclass(frozen=True)
class PhonesAndBert:
    phone_ids: list[int]
    bert: Tensor  # [bert_dim, n_phones] float32 on the CPU; bert_dim is 0 when no BERT model was given
    norm_text: str


def _features(
    text: str, lang: str, version: str, bert: BertFeatures | None, g2pw: G2PW | None
) -> PhonesAndBert:
    dim = bert.dim if bert is not None else 0
    phone_ids: list[int] = []
    parts: list[Tensor] = []
    norm_text = ""
    for span, span_lang in segment_languages(text, lang):
        span_lang = span_lang.removeprefix("all_")
        cleaned = clean_text(span, span_lang, version, g2pw)
        n = len(cleaned.phone_ids)
        if span_lang == "zh" and bert is not None:
            parts.append(bert.features(cleaned.norm_text, cleaned.word2ph))
        else:
            parts.append(torch.zeros(dim, n))
        phone_ids.extend(cleaned.phone_ids)
        norm_text += cleaned.norm_text
    features = torch.cat(parts, dim=1) if parts else torch.zeros(dim, 0)
    return PhonesAndBert(phone_ids, features, norm_text)


def phones_and_bert(
    text: str, lang: str, version: str, bert: BertFeatures | None, g2pw: G2PW | None = None
) -> PhonesAndBert:
    """Phone ids (symbol table of `version`: "v1" or any v2+ name), BERT features and normalised text of
    one segment in request language `lang` (zh, yue, en, ja, ko, auto, auto_yue, all_*)."""
    text = re.sub(" {2,}", " ", text)
    result = _features(text, lang, version, bert, g2pw)
    if len(result.phone_ids) < _MIN_PHONES:
        result = _features("." + text, lang, version, bert, g2pw)
    return result

"""Tiny random BERT models for tests: 2 layers of width 32 over a vocabulary of the test texts' characters.

They load and run like a fine-tuned bert-base-chinese, in milliseconds. Their predictions mean nothing
unless a test sets the classification head (`bias`), e.g. to make a model that always says 愤怒.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import torch
from transformers import BertConfig, BertForSequenceClassification, BertModel, BertTokenizer

from emotts.emotion.labels import EMOTIONS
from emotts.emotion.training.augment import INTERJECTIONS

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")

# What a line of each emotion says; with TEMPLATES they make 6 distinct lines per label.
PHRASES: dict[str, str] = {
    "高兴": "好开心",
    "悲伤": "好难过",
    "愤怒": "气死我了",
    "惊讶": "太意外了",
    "恐惧": "好害怕",
    "厌恶": "真恶心",
    "中性": "去开会",
    "害羞": "不好意思",
    "兴奋": "太激动了",
    "舒适": "好舒服",
    "紧张": "好紧张",
    "爱慕": "喜欢你",
    "委屈": "好委屈",
    "骄傲": "我最厉害",
    "困惑": "为什么呢",
}
TEMPLATES = ("今天{}！", "我觉得{}。", "真的{}～", "他说{}…", "突然{}", "其实{}吧")
OTHER_TEXTS = ("哼，你怎么又迟到了！今天天气不错。你好，我是测试角色。明天上午开会。", "!?,.~？，：；（）")


def training_lines() -> list[dict[str, str]]:
    """15 labels × 6 lines, as JSON Lines rows."""
    return [
        {"text": template.format(phrase), "label": label}
        for label, phrase in PHRASES.items()
        for template in TEMPLATES
    ]


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


def _characters() -> list[str]:
    texts = [row["text"] for row in training_lines()]
    texts += [opener for openers in INTERJECTIONS.values() for opener in openers]
    texts += OTHER_TEXTS
    return sorted(set("".join(texts)) - {" "})


@dataclass(frozen=True)
class TinyBert:
    vocab: Path  # vocab.txt
    base: Path  # a BertModel without a classification head, as bert-base-chinese is
    classifier: Path  # a random 15-way classifier with LABEL_n names, as chat apps' models are

    def save(
        self,
        folder: Path,
        id2label: Mapping[int, str] | None = None,
        bias: Mapping[str, float] | None = None,
        seed: int = 0,
    ) -> Path:
        """A random classifier (15 LABEL_n outputs unless `id2label` says otherwise) saved in `folder`.
        `bias` (label → logit) zeroes the head's weights: every text then scores softmax(bias)."""
        labels = dict(id2label) if id2label is not None else {i: f"LABEL_{i}" for i in range(len(EMOTIONS))}
        torch.manual_seed(seed)
        model = BertForSequenceClassification(_config(self.vocab, id2label=labels))
        if bias is not None:
            with torch.no_grad():
                model.classifier.weight.zero_()
                model.classifier.bias.zero_()
                for label, value in bias.items():
                    model.classifier.bias[EMOTIONS.index(label)] = value
        model.save_pretrained(folder)
        BertTokenizer(vocab=str(self.vocab)).save_pretrained(folder)
        return folder


def _config(vocab: Path, **extra: object) -> BertConfig:
    size = len(vocab.read_text(encoding="utf-8").splitlines())
    return BertConfig(
        vocab_size=size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        **extra,
    )


def build_tiny_bert(root: Path) -> TinyBert:
    vocab = root / "vocab.txt"
    vocab.write_text("\n".join([*SPECIAL_TOKENS, *_characters()]) + "\n", encoding="utf-8")
    # BertTokenizer(vocab=…): transformers 5 ignores vocab_file= and would map everything to [UNK].
    tokenizer = BertTokenizer(vocab=str(vocab))
    base = root / "base"
    torch.manual_seed(0)
    BertModel(_config(vocab)).save_pretrained(base)
    tokenizer.save_pretrained(base)
    tiny = TinyBert(vocab, base, root / "classifier")
    tiny.save(tiny.classifier)
    return tiny

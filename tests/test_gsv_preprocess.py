"""Segment → phone ids + BERT features, as the reference's TextPreprocessor.get_phones_and_bert."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pytest
import torch
from torch import Tensor

from emotts.engines.gptsovits.bert_features import BertFeatures
from emotts.engines.gptsovits.text import preprocess
from emotts.engines.gptsovits.text.preprocess import phones_and_bert

from gsv_fixtures import FIXTURES, VERSIONS, needs_fixtures


@pytest.fixture(scope="module")
def bert() -> BertFeatures:
    torch.set_num_threads(1)
    return BertFeatures(FIXTURES / "pretrained" / "chinese-roberta-wwm-ext-large")


@needs_fixtures
@pytest.mark.parametrize("version", VERSIONS)
def test_chinese_sentences_match_fixture(bert: BertFeatures, version: str) -> None:
    case = np.load(FIXTURES / "cases" / version / "bert.npz", allow_pickle=False)
    for i in range(int(case["n"])):
        result = phones_and_bert(str(case[f"s{i}_text"]), "zh", version, bert)
        assert result.phone_ids == case[f"s{i}_phone_ids"].tolist()
        assert result.norm_text == str(case[f"s{i}_norm_text"])
        np.testing.assert_allclose(result.bert.numpy(), case[f"s{i}_bert_feature"], rtol=0, atol=1e-4)


@needs_fixtures
def test_mixed_fixture_phone_ids() -> None:
    lines = (FIXTURES / "frontend" / "mixed.jsonl").read_text("utf-8").splitlines()
    same, mismatches = 0, []
    for case in map(json.loads, lines):
        result = phones_and_bert(case["text"], case["lang"], case["version"], None)
        ok = result.phone_ids == case["phone_ids"] and result.norm_text == case["norm_text"]
        same += ok
        if not ok:
            mismatches.append((case["lang"], case["text"], result.norm_text, case["norm_text"]))
        assert result.bert.shape == (0, len(result.phone_ids))  # no BERT model: no feature rows
    assert same == len(lines), mismatches


# ---------------------------------------------------------------- the assembly logic, with a stand-in G2P


calls: list[tuple[str, str]] = []


@dataclass
class _Cleaned:
    phones: list[str]
    phone_ids: list[int]
    word2ph: list[int] | None
    norm_text: str


def _fake_clean_text(text: str, language: str, version: str, g2pw: object = None) -> _Cleaned:
    """Two phones per character, id 1 for zh and 2 otherwise; records each call."""
    calls.append((text, language))
    ids = [1 if language == "zh" else 2] * (2 * len(text))
    return _Cleaned(["x"] * len(ids), ids, [2] * len(text) if language in ("zh", "yue") else None, text)


class _FakeBert:
    dim = 3

    def features(self, norm_text: str, word2ph: Sequence[int]) -> Tensor:
        return torch.ones(self.dim, sum(word2ph))


@pytest.fixture
def fake_g2p(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    calls.clear()
    monkeypatch.setattr(preprocess, "clean_text", _fake_clean_text)
    return calls


def test_spans_are_concatenated_with_zero_features_for_non_chinese(fake_g2p: list[tuple[str, str]]) -> None:
    result = phones_and_bert("今天的meeting改到下午三点。", "zh", "v2", _FakeBert())  # type: ignore[arg-type]
    assert fake_g2p == [("今天的", "zh"), ("meeting", "en"), ("改到下午三点。", "zh")]
    assert result.norm_text == "今天的meeting改到下午三点。"
    assert result.phone_ids == [1] * 6 + [2] * 14 + [1] * 14
    assert result.bert.shape == (3, 34)
    assert result.bert[:, :6].eq(1).all() and result.bert[:, 20:].eq(1).all()  # zh spans: BERT
    assert result.bert[:, 6:20].eq(0).all()  # en span: zeros


def test_all_prefix_is_dropped_and_cantonese_gets_zeros(fake_g2p: list[tuple[str, str]]) -> None:
    result = phones_and_bert("我今天很开心。", "all_yue", "v2", _FakeBert())  # type: ignore[arg-type]
    assert fake_g2p == [("我今天很开心。", "yue")]
    assert result.bert.shape == (3, 14) and result.bert.eq(0).all()


def test_fewer_than_six_phones_retries_once_with_a_dot(fake_g2p: list[tuple[str, str]]) -> None:
    result = phones_and_bert("好", "zh", "v2", None)  # 2 phones → retry ".好" (4 phones) → kept anyway
    assert fake_g2p == [("好", "zh"), (".好", "zh")]
    assert result.norm_text == ".好" and len(result.phone_ids) == 4 and result.bert.shape == (0, 4)
    fake_g2p.clear()
    phones_and_bert("你好吗", "zh", "v2", None)  # 6 phones: no retry
    assert fake_g2p == [("你好吗", "zh")]

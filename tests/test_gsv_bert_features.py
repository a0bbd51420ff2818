"""Chinese BERT phone features match the reference's TextPreprocessor.get_bert_feature."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from emotts.engines.gptsovits.bert_features import BertFeatures

from gsv_fixtures import FIXTURES, VERSIONS, needs_fixtures

BERT_DIR = FIXTURES / "pretrained" / "chinese-roberta-wwm-ext-large"


@pytest.fixture(scope="module")
def bert() -> BertFeatures:
    torch.set_num_threads(1)
    return BertFeatures(BERT_DIR)


@needs_fixtures
@pytest.mark.parametrize("version", VERSIONS)
def test_features_match_fixture(bert: BertFeatures, version: str) -> None:
    case = np.load(FIXTURES / "cases" / version / "bert.npz", allow_pickle=False)
    assert bert.dim == case["s0_char_features"].shape[1]
    tokenizer, _ = bert._load()
    for i in range(int(case["n"])):
        norm_text, word2ph = str(case[f"s{i}_norm_text"]), case[f"s{i}_word2ph"].tolist()
        assert tokenizer(norm_text)["input_ids"] == case[f"s{i}_input_ids"].tolist()  # type: ignore[operator]
        chars = bert.char_features(norm_text).numpy()
        np.testing.assert_allclose(chars, case[f"s{i}_char_features"], rtol=0, atol=1e-4)
        phones = bert.features(norm_text, word2ph)
        assert phones.dtype == torch.float32 and phones.shape == (bert.dim, sum(word2ph))
        np.testing.assert_allclose(phones.numpy(), case[f"s{i}_bert_feature"], rtol=0, atol=1e-4)


@needs_fixtures
def test_each_character_is_repeated_per_phone(bert: BertFeatures) -> None:
    chars = bert.char_features("你好吗")
    phones = bert.features("你好吗", [2, 0, 3])
    assert torch.equal(phones.T, torch.stack([chars[0], chars[0], chars[2], chars[2], chars[2]]))
    with pytest.raises(ValueError, match="word2ph"):
        bert.features("你好吗", [2, 2])


@needs_fixtures
def test_lazy_load_happens_once_across_threads() -> None:
    bert = BertFeatures(BERT_DIR)
    assert bert._model is None  # nothing loaded until first use
    models: list[object] = []
    threads = [threading.Thread(target=lambda: models.append(bert._load()[1])) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(models) == 4 and all(m is models[0] for m in models)


def test_missing_folder_is_reported(tmp_path: Path) -> None:
    bert = BertFeatures(f"{tmp_path}/nowhere")
    with pytest.raises(FileNotFoundError, match=r"config\.json"):
        _ = bert.dim

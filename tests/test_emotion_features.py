"""The built-in classifier's features: normalisation, units, negation marks, and deterministic rows."""

from __future__ import annotations

import numpy as np
import pytest

from emotts.emotion.features import FeatureSpec, Featurizer, SparseRows, ngrams, normalize, units

SPEC = FeatureSpec()
TEXTS = [
    "今天真是太开心了！",
    "我一点也不开心",
    "气死我了！！",
    "明天上午10点开会。",
    "I'm not happy at all.",
    "嗯？",
]


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("ＱＡＱ　好累。", "qaq 好累"),  # full width folded, spaces collapsed, final 。 dropped
        ("好耶！！", "好耶"),  # a final run of ! is the writer's habit, not the emotion
        ("真的？！", "真的?"),
        ("那个……", "那个......"),  # trailing off stays
        ("“你好”", "'你好'"),
    ],
)
def test_normalize(text: str, normalized: str) -> None:
    assert normalize(text) == normalized


def test_units_mark_what_a_negator_reaches_within_its_clause() -> None:
    assert units(normalize("我不开心，真的"), SPEC) == ["^", "我", "不", "¬开", "¬心", ",", "真", "的", "$"]
    assert units(normalize("I'm not happy"), SPEC) == ["^", "i'm", "not", "¬happy", "$"]


def test_units_fold_digits_and_escape_reserved_units() -> None:
    assert units("10点^_^", SPEC) == ["^", "0", "点", "\\^", "_", "\\^", "$"]


def test_ngrams_are_runs_of_one_and_two_units() -> None:
    assert ngrams("哼", SPEC) == ["^", "哼", "$", "^ 哼", "哼 $"]


def test_fitting_and_featurizing_are_deterministic() -> None:
    first, second = Featurizer.fit(TEXTS * 2, SPEC), Featurizer.fit(TEXTS * 2, SPEC)
    assert first.vocabulary == second.vocabulary
    np.testing.assert_array_equal(first.idf, second.idf)
    batch = first.transform(TEXTS)
    for row, text in enumerate(TEXTS):  # a text's row does not depend on its batch
        alone = first.transform([text])
        span = slice(batch.indptr[row], batch.indptr[row + 1])
        np.testing.assert_array_equal(batch.indices[span], alone.indices)
        np.testing.assert_array_equal(batch.values[span], alone.values)


def _norms(spec: FeatureSpec, texts: list[str]) -> np.ndarray:
    return np.linalg.norm(_dense(Featurizer.fit(TEXTS * 2, spec).transform(texts)), axis=1)


def test_texts_shorter_than_the_corpus_lines_get_weaker_ngram_evidence() -> None:
    spec = FeatureSpec(lexicon_weight=0.0, unseen_weight=0.0, norm_floor_quantile=0.5)
    short, long = _norms(spec, ["嗯？", "今天真是太开心了！"])
    assert short < 1.0 and long == pytest.approx(1.0)


def test_unseen_ngrams_dilute_the_seen_ones() -> None:
    spec = FeatureSpec(lexicon_weight=0.0, norm_floor_quantile=0.0)
    seen, partly_seen = _norms(spec, ["今天真是太开心了！", "今天真是太开心了，下雪"])
    assert seen == pytest.approx(1.0) and partly_seen < 1.0


def _dense(rows: SparseRows) -> np.ndarray:
    dense = np.zeros((rows.n_rows, rows.n_columns), np.float32)
    for row in range(rows.n_rows):
        span = slice(rows.indptr[row], rows.indptr[row + 1])
        dense[row, rows.indices[span]] = rows.values[span]
    return dense


def test_sparse_products_match_dense_ones() -> None:
    rows = Featurizer.fit(TEXTS, SPEC).transform([*TEXTS, "", "完全没见过的字"])
    weights = np.random.default_rng(0).standard_normal((rows.n_columns, 4)).astype(np.float32)
    grad = np.random.default_rng(1).standard_normal((rows.n_rows, 4)).astype(np.float32)
    np.testing.assert_allclose(rows.dot(weights), _dense(rows) @ weights, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(rows.transpose().dot(grad), _dense(rows).T @ grad, rtol=1e-5, atol=1e-6)

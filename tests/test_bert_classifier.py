"""Per-role BERT classifiers: label mapping, batched scores, one lazy load, clear load errors."""

from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path

import pytest
from transformers import AutoModelForSequenceClassification, BertForSequenceClassification

from emotts.emotion.bert import BertEmotionClassifier, ClassifierLoadError, map_labels
from emotts.emotion.labels import EMOTIONS

from bert_models import PHRASES, TinyBert

TEXTS = [f"今天{phrase}！" for phrase in PHRASES.values()]


def _count_calls(monkeypatch: pytest.MonkeyPatch, owner: type, name: str) -> list[int]:
    """Wrap a method of `owner` so that each call appends to the returned list."""
    calls: list[int] = []
    original = getattr(owner, name)
    if isinstance(owner.__dict__.get(name), classmethod):

        def counted_classmethod(cls: type, *args: object, **kwargs: object) -> object:
            calls.append(1)
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, classmethod(counted_classmethod))
    else:

        def counted(self: object, *args: object, **kwargs: object) -> object:
            calls.append(1)
            return original(self, *args, **kwargs)

        monkeypatch.setattr(owner, name, counted)
    return calls


# --- label mapping -----------------------------------------------------------------------------------------


def test_labels_map_by_name_alias_and_label_n() -> None:
    assert map_labels({0: "愤怒", 1: "happy", 2: "LABEL_14", 3: "Sad", 4: "害怕"}) == (2, 0, 14, 1, 4)
    assert map_labels({i: f"LABEL_{i}" for i in range(15)}) == tuple(range(15))
    assert map_labels({0: "LABEL_3"}) == (3,)


def test_a_name_that_is_no_emotion_is_an_error_listing_it() -> None:
    with pytest.raises(ValueError, match=r"output\(s\) 1='grumpy', 2='LABEL_15'"):
        map_labels({0: "happy", 1: "grumpy", 2: "LABEL_15"})


def test_two_outputs_with_one_label_are_an_error() -> None:
    with pytest.raises(ValueError, match="same label: 高兴"):
        map_labels({0: "happy", 1: "开心"})


# --- classify ----------------------------------------------------------------------------------------------


def test_batch_gives_one_result_per_text_with_15_scores_summing_to_one(
    tiny_bert: TinyBert, monkeypatch: pytest.MonkeyPatch
) -> None:
    classifier = BertEmotionClassifier(tiny_bert.classifier, device="cpu")
    classifier.load()
    forwards = _count_calls(monkeypatch, BertForSequenceClassification, "forward")
    texts = (TEXTS * 3)[:32]
    results = classifier.classify(texts)
    assert len(forwards) == 1  # 32 texts, one forward pass
    assert len(results) == 32
    for result in results:
        assert list(result.scores) == list(EMOTIONS)
        assert sum(result.scores.values()) == pytest.approx(1.0, abs=1e-5)
        assert result.confidence == max(result.scores.values()) == result.scores[result.label]
    assert len(classifier.classify(TEXTS * 3)) == 45 and len(forwards) == 3  # chunks of 32
    assert classifier.classify([]) == []


def test_batched_and_single_scores_agree(tiny_bert: TinyBert) -> None:
    classifier = BertEmotionClassifier(tiny_bert.classifier, device="cpu")
    batched = classifier.classify(TEXTS)
    single = [classifier.classify([text])[0] for text in TEXTS]  # padding must not change a text's scores
    for one, other in zip(batched, single, strict=True):
        assert one.label == other.label
        assert one.confidence == pytest.approx(other.confidence, abs=1e-5)


def test_fewer_outputs_score_the_missing_labels_zero(tiny_bert: TinyBert, tmp_path: Path) -> None:
    folder = tiny_bert.save(tmp_path / "three", id2label={0: "happy", 1: "悲伤", 2: "LABEL_2"})
    [result] = BertEmotionClassifier(folder).classify(["好开心"])
    assert {label for label, score in result.scores.items() if score > 0} == {"高兴", "悲伤", "愤怒"}
    assert sum(result.scores.values()) == pytest.approx(1.0, abs=1e-5)


def test_the_bias_decides_when_the_head_has_no_weights(tiny_bert: TinyBert, tmp_path: Path) -> None:
    folder = tiny_bert.save(tmp_path / "angry", id2label=dict(enumerate(EMOTIONS)), bias={"愤怒": 8.0})
    results = BertEmotionClassifier(folder).classify(TEXTS)
    assert {result.label for result in results} == {"愤怒"}
    assert min(result.confidence for result in results) > 0.99


# --- loading -----------------------------------------------------------------------------------------------


def test_loading_is_lazy_and_happens_once_across_threads(
    tiny_bert: TinyBert, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads = _count_calls(monkeypatch, AutoModelForSequenceClassification, "from_pretrained")
    classifier = BertEmotionClassifier(tiny_bert.classifier)
    assert loads == []  # nothing happens until the first use
    barrier = threading.Barrier(8)
    results: list[list[str]] = []

    def work() -> None:
        barrier.wait()
        results.append([result.label for result in classifier.classify(TEXTS)])

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1
    assert len(results) == 8 and all(labels == results[0] for labels in results)


@pytest.mark.parametrize(
    ("remove", "message"),
    [
        ("config.json", "missing config.json"),
        ("model.safetensors", "missing weights (model.safetensors or pytorch_model.bin)"),
        ("tokenizer.json", "missing tokenizer files (vocab.txt or tokenizer.json)"),
    ],
)
def test_a_missing_file_is_named(tiny_bert: TinyBert, tmp_path: Path, remove: str, message: str) -> None:
    folder = Path(shutil.copytree(tiny_bert.classifier, tmp_path / "BERT"))
    (folder / remove).unlink()
    with pytest.raises(ClassifierLoadError, match=re.escape(message)) as caught:
        BertEmotionClassifier(folder).load()
    assert str(folder.resolve()) in str(caught.value)


def test_a_vocab_txt_is_enough_for_the_tokenizer(tiny_bert: TinyBert, tmp_path: Path) -> None:
    folder = Path(shutil.copytree(tiny_bert.classifier, tmp_path / "BERT"))  # chat apps ship vocab.txt
    for name in ("tokenizer.json", "tokenizer_config.json"):
        (folder / name).unlink()
    shutil.copy(tiny_bert.vocab, folder / "vocab.txt")
    assert len(BertEmotionClassifier(folder).classify(TEXTS)) == len(TEXTS)


def test_load_errors_name_the_cause(tiny_bert: TinyBert, tmp_path: Path) -> None:
    with pytest.raises(ClassifierLoadError, match="folder not found"):
        BertEmotionClassifier(tmp_path / "nowhere").load()
    bad_names = tiny_bert.save(tmp_path / "names", id2label={0: "happy", 1: "grumpy"})
    with pytest.raises(ClassifierLoadError, match=r"config\.json: id2label names no emotion .*'grumpy'"):
        BertEmotionClassifier(bad_names).load()
    base = BertEmotionClassifier(tiny_bert.base)  # no classification head: it would answer at random
    with pytest.raises(ClassifierLoadError, match=r"no trained classification head .*classifier\.weight"):
        base.load()
    broken = Path(shutil.copytree(tiny_bert.classifier, tmp_path / "broken"))
    (broken / "model.safetensors").write_bytes(b"not a model")
    with pytest.raises(ClassifierLoadError, match="SafetensorError"):
        BertEmotionClassifier(broken).load()


def test_a_failed_load_is_not_retried(
    tiny_bert: TinyBert, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads = _count_calls(monkeypatch, AutoModelForSequenceClassification, "from_pretrained")
    classifier = BertEmotionClassifier(tiny_bert.save(tmp_path / "names", id2label={0: "grumpy"}))
    for _ in range(3):
        with pytest.raises(ClassifierLoadError, match="grumpy"):
            classifier.classify(["你好"])
    assert len(loads) == 1

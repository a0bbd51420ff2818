"""Training data, leak-free folds, augmentation, and the train-emotion and eval-emotion commands."""

from __future__ import annotations

import json
import random
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from emotts.cli import main
from emotts.emotion.bert import BertEmotionClassifier
from emotts.emotion.labels import EMOTIONS
from emotts.emotion.training.augment import INTERJECTIONS, augment, variants
from emotts.emotion.training.bert_trainer import train_emotion_model
from emotts.emotion.training.dataset import DatasetError, Example, check_label_counts, load_examples, text_key
from emotts.emotion.training.settings import TrainSettings
from emotts.emotion.training.split import cross_validation_folds, stratified_folds

from bert_models import TinyBert, training_lines, write_jsonl
from role_folders import make_role

# --- data files --------------------------------------------------------------------------------------------


def test_jsonl_labels_may_be_ids_names_or_aliases(tmp_path: Path) -> None:
    rows = [
        {"text": "气死我了", "label": 2},
        {"text": "好开心", "label": "高兴"},
        {"text": "好难过", "label": "sad"},
        {"text": "为什么", "label": "14"},
    ]
    path = write_jsonl(tmp_path / "data.jsonl", rows)
    assert load_examples(path) == [
        Example("气死我了", "愤怒", 1),
        Example("好开心", "高兴", 2),
        Example("好难过", "悲伤", 3),
        Example("为什么", "困惑", 4),
    ]


def test_csv_is_read_with_its_header(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text('\ufefftext,label\n"好开心，真的",happy\n气死我了,2\n', encoding="utf-8")
    assert load_examples(path) == [Example("好开心，真的", "高兴", 2), Example("气死我了", "愤怒", 3)]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"text": "好", "label": 0}\n{"text": "坏", "label": 15}\n', r"data\.jsonl:2: unknown label 15"),
        ('{"text": "好", "label": 0}\n\n{"text": "", "label": 0}\n', r"data\.jsonl:3: 'text' must be"),
        ('{"text": "好", "label": 0}\n{"text": "坏",}\n', r"data\.jsonl:2: invalid JSON"),
        ('{"text": "好", "label": "grumpy"}\n', r"data\.jsonl:1: unknown label 'grumpy'"),
    ],
)
def test_bad_lines_are_named_by_file_and_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DatasetError, match=message):
        load_examples(path)


def test_a_csv_without_a_label_column_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("text,emotion\n好开心,happy\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"data\.csv:1: the header lacks the column\(s\) label"):
        load_examples(path)


def test_labels_with_fewer_than_five_lines_are_listed_with_their_counts() -> None:
    examples = [Example(f"好开心{i}", "高兴", i) for i in range(5)]
    examples += [Example(f"好难过{i}", "悲伤", i) for i in range(3)]
    examples += [Example("气死我了", "愤怒", 9)]
    with pytest.raises(DatasetError, match=r"fewer than 5 examples: 悲伤 \(3\), 愤怒 \(1\)"):
        check_label_counts(examples)


# --- folds and augmentation --------------------------------------------------------------------------------


def _examples() -> list[Example]:
    return [Example(row["text"], row["label"], line) for line, row in enumerate(training_lines(), start=1)]


def test_folds_are_stratified_and_keep_lines_with_the_same_text_together() -> None:
    examples = _examples()
    examples.append(Example("今天好开心。", "高兴", 91))  # differs from line 1 only in punctuation
    folds = stratified_folds(examples, 3, seed=1)
    assert sorted(i for fold in folds for i in fold) == list(range(len(examples)))
    for fold in folds:
        counts = Counter(examples[i].label for i in fold)
        assert all(count == 2 for label, count in counts.items() if label != "高兴")  # 6 lines / 3 folds
    [together] = [fold for fold in folds if 0 in fold]
    assert len(examples) - 1 in together


def test_no_augmented_variant_crosses_folds() -> None:
    examples = _examples()
    folds = cross_validation_folds(examples, 3, seed=7, variants=4)
    for fold in folds:
        validation_lines = {example.line for example in fold.validation}
        validation_keys = {text_key(example.text) for example in fold.validation}
        originals = {example.text for example in fold.validation}
        assert len(fold.train) > 2 * len(examples) * 2 // 3  # the training folds were augmented …
        assert originals <= {example.text for example in examples}  # … the validation fold was not
        for example in fold.train:
            assert example.line not in validation_lines  # a variant stays with its line
            assert text_key(example.text) not in validation_keys


def test_variants_keep_questions_and_use_fitting_interjections() -> None:
    question = variants("这是什么？", "困惑")
    assert all(form.endswith(("？", "?")) for form in question)
    assert "诶？这是什么？" in question
    angry = variants("你怎么又迟到了！", "愤怒")
    assert {"你怎么又迟到了。", "你怎么又迟到了～", "你怎么又迟到了…", "你怎么又迟到了!"} <= set(angry)
    assert "哼，你怎么又迟到了！" in angry
    assert not any(form.startswith(INTERJECTIONS["高兴"]) for form in angry)
    assert "哼，哼，讨厌" not in variants("哼，讨厌", "愤怒")
    assert len(angry) == len(set(angry)) and "你怎么又迟到了！" not in angry


def test_augment_deduplicates_and_skips_forbidden_keys() -> None:
    examples = [Example("好开心！", "高兴", 1), Example("好开心。", "高兴", 2)]
    augmented = augment(examples, 10, random.Random(0), forbidden={text_key("嘿嘿，好开心")})
    texts = [example.text for example in augmented]
    assert len(texts) == len(set(texts))
    assert not any(text.startswith("嘿嘿") for text in texts)
    assert augmented[:2] == examples


# --- train-emotion and eval-emotion ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def trained(tiny_bert: TinyBert, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """(data file, model folder, command output) of one small training run."""
    root = tmp_path_factory.mktemp("train")
    data = write_jsonl(root / "lines.jsonl", training_lines())
    out = root / "model"
    args = ["train-emotion", str(data), "--base-model", str(tiny_bert.base), "--out", str(out)]
    args += ["--folds", "2", "--epochs", "2", "--batch-size", "16", "--lr", "1e-3", "--variants", "1"]
    result = CliRunner(env={"COLUMNS": "200"}).invoke(main, args)
    assert result.exit_code == 0, result.output
    return data, out, result.output


def test_train_emotion_saves_a_model_that_loads_and_classifies(trained: tuple[Path, Path, str]) -> None:
    _, out, output = trained
    assert {"config.json", "model.safetensors", "model_config.json", "vocab.txt"} <= {
        path.name for path in out.iterdir()
    }
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert list(config["id2label"].values()) == list(EMOTIONS)  # names, not LABEL_n
    assert config["label2id"]["愤怒"] == 2
    results = BertEmotionClassifier(out).classify(["今天好开心！", "气死我了"])
    assert len(results) == 2 and all(result.label in EMOTIONS for result in results)
    assert re.search(r"fold 1: best epoch [12] of [12]", output)
    assert "mean ± sd" in output and "confusion matrix" in output


def test_model_config_records_folds_means_settings_and_data(trained: tuple[Path, Path, str]) -> None:
    data, out, _ = trained
    card = json.loads((out / "model_config.json").read_text(encoding="utf-8"))
    assert card["labels"] == list(EMOTIONS)
    assert [fold["fold"] for fold in card["folds"]] == [1, 2]
    fold = card["folds"][0]
    assert fold["metrics"]["n"] == 45 and set(fold["metrics"]["precision"]) == set(EMOTIONS)
    assert fold["training_lines"] > 45  # augmented
    assert set(card["mean"]) == {"accuracy", "macro_f1", "weighted_f1"}
    assert card["out_of_fold"]["n"] == 90
    assert card["settings"]["folds"] == 2 and card["settings"]["variants"] == 1
    assert card["data"]["file"] == str(data) and card["data"]["per_label"]["愤怒"] == 6
    assert 1 <= card["final_epochs"] <= 2


def test_the_training_loop_learns(tiny_bert: TinyBert, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "lines.jsonl", training_lines())
    settings = TrainSettings(folds=2, epochs=30, patience=30, lr=3e-3, variants=0)
    result = train_emotion_model(data, tiny_bert.base, tmp_path / "model", settings)
    assert result.out_of_fold.accuracy > 0.3  # chance is 1/15: each label's phrase was learnt
    assert all(fold.best_epoch > 5 for fold in result.folds)


def test_train_emotion_refuses_labels_with_too_few_lines(tiny_bert: TinyBert, tmp_path: Path) -> None:
    rows = training_lines()[:-3]  # 困惑 keeps 3 lines
    data = write_jsonl(tmp_path / "lines.jsonl", rows)
    args = ["train-emotion", str(data), "--base-model", str(tiny_bert.base), "--out", str(tmp_path / "m")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "labels with fewer than 5 examples: 困惑 (3)" in result.output
    assert not (tmp_path / "m").exists()


def test_train_emotion_names_what_the_base_model_lacks(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "lines.jsonl", training_lines())
    (tmp_path / "base").mkdir()
    args = ["train-emotion", str(data), "--base-model", str(tmp_path / "base"), "--out", str(tmp_path / "m")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert (
        "lacks config.json, weights (model.safetensors or pytorch_model.bin), tokenizer files"
        in result.output
    )


def _eval_json(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(main, ["eval-emotion", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # one JSON object and nothing else on stdout


def test_eval_emotion_json_for_the_builtin_a_model_and_a_role(
    trained: tuple[Path, Path, str], tmp_path: Path
) -> None:
    data, out, _ = trained
    builtin = _eval_json(str(data))
    assert builtin["classifier"] == "builtin"
    for key in ("accuracy", "macro_f1", "weighted_f1", "n", "precision", "recall", "confusion"):
        assert key in builtin
    assert builtin["n"] == 90 and len(builtin["confusion"]) == len(EMOTIONS)

    model = _eval_json(str(data), "--model", str(out))
    assert model["classifier"] == f"bert:{out.resolve()}" and model["n"] == 90

    role = make_role(tmp_path, "trained")
    shutil.copytree(out, role / "BERT")
    by_role = _eval_json(str(data), "--role", "trained", "--roles", str(tmp_path))
    assert by_role["accuracy"] == model["accuracy"]


def test_eval_emotion_prints_tables_and_refuses_a_broken_role(
    trained: tuple[Path, Path, str], tmp_path: Path
) -> None:
    data, _, _ = trained
    tables = CliRunner(env={"COLUMNS": "200"}).invoke(main, ["eval-emotion", str(data)])
    assert tables.exit_code == 0 and "macro-F1" in tables.output and "confusion matrix" in tables.output
    role = make_role(tmp_path, "broken")
    (role / "BERT").mkdir()
    result = CliRunner().invoke(
        main, ["eval-emotion", str(data), "--role", "broken", "--roles", str(tmp_path)]
    )
    assert result.exit_code == 1 and "missing config.json" in result.output


def test_eval_emotion_as_spoken_applies_the_roles_threshold(
    trained: tuple[Path, Path, str], tmp_path: Path
) -> None:
    data, _, _ = trained
    make_role(tmp_path, "unsure", emotion_threshold=1.0)  # nothing is ever that confident: all 中性
    make_role(tmp_path, "sure", emotion_threshold=0.0)
    roles = ["--roles", str(tmp_path)]
    raw = _eval_json(str(data))
    assert raw["threshold"] is None
    unsure = _eval_json(str(data), "--role", "unsure", *roles, "--as-spoken")
    assert unsure["threshold"] == 1.0
    neutral = EMOTIONS.index("中性")
    assert all(row[neutral] == sum(row) for row in unsure["confusion"])  # every line spoken 中性
    assert unsure["accuracy"] < raw["accuracy"]
    sure = _eval_json(str(data), "--role", "sure", *roles, "--as-spoken")
    assert sure["accuracy"] == raw["accuracy"] and sure["confusion"] == raw["confusion"]

"""Each role judged by its own BERT classifier: caching, reloads, remembered failures, API and check."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from transformers import AutoModelForSequenceClassification

from emotts.cli import main
from emotts.emotion.bert import BertEmotionClassifier
from emotts.emotion.builtin import BuiltinClassifier
from emotts.emotion.labels import EMOTIONS, NEUTRAL
from emotts.emotion.provider import ClassifierProvider
from emotts.engines.registry import EngineSet
from emotts.pipeline import SpeechInput, SpeechPipeline
from emotts.roles.check import check_roles
from emotts.roles.registry import RoleRegistry

from bert_models import TinyBert
from role_folders import make_role

CALM_TEXT = "明天上午十点在三楼开会。"  # the built-in classifier finds nothing in it: 中性


@pytest.fixture
def load_count(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per model load attempt that reaches transformers."""
    calls: list[int] = []
    original = AutoModelForSequenceClassification.from_pretrained

    def counted(cls: type, *args: object, **kwargs: object) -> object:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(AutoModelForSequenceClassification, "from_pretrained", classmethod(counted))
    return calls


def _angry_role(root: Path, tiny_bert: TinyBert, name: str = "angry", **config: object) -> Path:
    """A role whose BERT/ says 愤怒 to everything."""
    folder = make_role(root, name, {"中性": "今天天气不错", "愤怒": "你怎么又迟到了"}, **config)
    tiny_bert.save(folder / "BERT", id2label=dict(enumerate(EMOTIONS)), bias={"愤怒": 8.0})
    return folder


def _registry(root: Path) -> RoleRegistry:
    registry = RoleRegistry(root)
    registry.reload()
    return registry


# --- the provider ------------------------------------------------------------------------------------------


def test_roles_without_a_bert_folder_use_the_builtin(tmp_path: Path) -> None:
    make_role(tmp_path, "plain")
    builtin = BuiltinClassifier()
    provider = ClassifierProvider(builtin)
    assert provider.for_role(_registry(tmp_path).get("plain")) is builtin
    assert provider.for_role(None) is builtin
    assert provider.failure(None) is None


def test_a_model_loads_once_and_is_shared_across_requests_and_reloads(
    tmp_path: Path, tiny_bert: TinyBert, load_count: list[int]
) -> None:
    _angry_role(tmp_path, tiny_bert)
    registry = _registry(tmp_path)
    provider = ClassifierProvider(BuiltinClassifier())
    first = provider.for_role(registry.get("angry"))
    assert isinstance(first, BertEmotionClassifier)
    assert first.folder == (tmp_path / "angry" / "BERT").resolve()
    registry.reload()  # a new Role object, the same unchanged folder
    for _ in range(3):
        assert provider.for_role(registry.get("angry")) is first
    assert len(load_count) == 1
    assert provider.failure(registry.get("angry")) is None


def test_a_deleted_model_is_released(tmp_path: Path, tiny_bert: TinyBert) -> None:
    import gc
    import weakref

    folder = _angry_role(tmp_path, tiny_bert)
    _angry_role(tmp_path, tiny_bert, name="other")
    registry = _registry(tmp_path)
    provider = ClassifierProvider(BuiltinClassifier())
    model = weakref.ref(provider.for_role(registry.get("angry")))
    kept = provider.for_role(registry.get("other"))
    shutil.rmtree(folder)  # the whole role is deleted; another role asks next
    assert provider.for_role(registry.get("other")) is kept
    gc.collect()
    assert model() is None  # nothing holds the deleted role's model any more


def test_an_edited_model_is_loaded_afresh(tmp_path: Path, tiny_bert: TinyBert, load_count: list[int]) -> None:
    folder = _angry_role(tmp_path, tiny_bert)
    registry = _registry(tmp_path)
    provider = ClassifierProvider(BuiltinClassifier())
    before = provider.for_role(registry.get("angry"))
    assert before.classify(["你好"])[0].label == "愤怒"

    tiny_bert.save(folder / "BERT", id2label=dict(enumerate(EMOTIONS)), bias={"高兴": 8.0})
    weights = folder / "BERT" / "model.safetensors"
    os.utime(weights, ns=(weights.stat().st_atime_ns, weights.stat().st_mtime_ns + 10**9))  # a later save
    after = provider.for_role(registry.get("angry"))
    assert after is not before
    assert after.classify(["你好"])[0].label == "高兴"
    assert len(load_count) == 2


def test_a_failure_is_remembered_logged_once_and_falls_back_to_the_builtin(
    tmp_path: Path, tiny_bert: TinyBert, load_count: list[int], caplog: pytest.LogCaptureFixture
) -> None:
    folder = make_role(tmp_path, "broken")
    tiny_bert.save(folder / "BERT", id2label={0: "grumpy"})
    role = _registry(tmp_path).get("broken")
    builtin = BuiltinClassifier()
    provider = ClassifierProvider(builtin)
    with caplog.at_level(logging.WARNING, logger="emotts.emotion.provider"):
        for _ in range(5):
            assert provider.for_role(role) is builtin
    assert len(load_count) == 1  # not retried on every request
    failure = provider.failure(role)
    assert failure is not None and "grumpy" in failure and str(folder / "BERT") in failure
    [record] = caplog.records
    assert "role broken uses the built-in emotion classifier" in record.getMessage()

    tiny_bert.save(folder / "BERT", id2label=dict(enumerate(EMOTIONS)))  # fixed: its files change
    weights = folder / "BERT" / "model.safetensors"
    os.utime(weights, ns=(weights.stat().st_atime_ns, weights.stat().st_mtime_ns + 10**9))
    assert isinstance(provider.for_role(role), BertEmotionClassifier)
    assert provider.failure(role) is None
    assert len(load_count) == 2


# --- the pipeline ------------------------------------------------------------------------------------------


def test_the_pipeline_judges_with_the_roles_bert(tmp_path: Path, tiny_bert: TinyBert) -> None:
    _angry_role(tmp_path, tiny_bert)
    make_role(tmp_path, "plain")
    registry = _registry(tmp_path)
    pipeline = SpeechPipeline(registry=registry, engines=EngineSet())
    [angry] = pipeline.analyze(CALM_TEXT, registry.get("angry"))
    assert (angry.emotion, str(angry.source)) == ("愤怒", "classifier")
    assert angry.confidence is not None and angry.confidence > 0.99
    [plain] = pipeline.analyze(CALM_TEXT, registry.get("plain"))
    assert plain.emotion == NEUTRAL  # the built-in classifier
    plan = pipeline.plan(SpeechInput(text=CALM_TEXT, role="angry"))
    assert plan.parts[0].choice.reference.audio_path.parent.name == "愤怒"


def test_below_the_roles_threshold_the_emotion_is_neutral(tmp_path: Path, tiny_bert: TinyBert) -> None:
    # No bias and no weights: all 15 labels score 1/15 ≈ 0.067, and the first (高兴) is the top one.
    for name, threshold in (("unsure", 0.35), ("eager", 0.05)):
        folder = make_role(tmp_path, name, emotion_threshold=threshold)
        tiny_bert.save(folder / "BERT", id2label=dict(enumerate(EMOTIONS)), bias={})
    registry = _registry(tmp_path)
    pipeline = SpeechPipeline(registry=registry, engines=EngineSet())
    [unsure] = pipeline.analyze(CALM_TEXT, registry.get("unsure"))
    assert (unsure.emotion, str(unsure.source)) == (NEUTRAL, "low_confidence")
    assert unsure.confidence == pytest.approx(1 / 15, abs=1e-4)
    [eager] = pipeline.analyze(CALM_TEXT, registry.get("eager"))
    assert (eager.emotion, str(eager.source)) == ("高兴", "classifier")


# --- HTTP, CLI and the check -------------------------------------------------------------------------------


def test_role_detail_shows_the_classifier_and_its_error(
    live_server, roles_dir: Path, tiny_bert: TinyBert
) -> None:
    _angry_role(roles_dir, tiny_bert)
    broken = make_role(roles_dir, "broken")
    shutil.copytree(tiny_bert.classifier, broken / "BERT")
    (broken / "BERT" / "config.json").unlink()
    url = live_server()

    angry = httpx.get(f"{url}/roles/angry").json()
    assert (angry["classifier"], angry["classifier_error"]) == ("bert:angry/BERT", None)
    broken_detail = httpx.get(f"{url}/roles/broken").json()
    assert broken_detail["classifier"] == "builtin"
    assert (
        broken_detail["classifier_error"]
        == "broken/BERT: cannot load the emotion classifier: missing config.json"
    )
    assert httpx.get(f"{url}/roles/demo").json()["classifier"] == "builtin"

    analysed = httpx.post(f"{url}/emotion", json={"text": CALM_TEXT, "role": "angry"}).json()
    assert analysed["classifier"] == "bert:angry/BERT"  # no server paths in responses
    assert analysed["sentences"][0]["emotion"] == "愤怒"
    response = httpx.post(f"{url}/tts", json={"text": CALM_TEXT, "role": "angry"})
    assert response.headers["X-Emotion-Source"] == "classifier"


def test_emotion_command_uses_the_roles_bert(tmp_path: Path, tiny_bert: TinyBert) -> None:
    _angry_role(tmp_path, tiny_bert)
    result = CliRunner().invoke(main, ["emotion", CALM_TEXT, "--role", "angry", "--roles", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "愤怒" in result.output


def test_roles_check_flags_a_bert_folder_that_cannot_load(tmp_path: Path, tiny_bert: TinyBert) -> None:
    _angry_role(tmp_path, tiny_bert)
    broken = make_role(tmp_path, "broken")
    shutil.copytree(tiny_bert.classifier, broken / "BERT")
    (broken / "BERT" / "model.safetensors").unlink()

    results = {result.name: result for result in check_roles(tmp_path)}
    assert results["angry"].ok and results["angry"].problems == []
    [problem] = results["broken"].problems
    assert problem.severity == "error" and problem.path == (broken / "BERT").resolve()
    assert "emotion classifier cannot be loaded (missing weights" in problem.message

    output = CliRunner(env={"COLUMNS": "200"}).invoke(main, ["roles", "check", str(tmp_path)])
    assert output.exit_code == 1
    assert "broken/BERT: emotion classifier cannot be loaded (missing weights" in output.output
    assert "1 of 2 role(s) ok" in output.output

from __future__ import annotations

import os
from pathlib import Path

import pytest

from emotts.roles.config import RoleLoadError, load_role_config, role_path

from role_folders import DESIGN_DOC_EXAMPLE, write_config, write_wav

VALID = {"ref_audio": "ref.wav", "ref_text": "你好", "ref_lang": "zh"}


def load(folder: Path, config: dict | str):
    return load_role_config(write_config(folder, config))


def messages(exc: pytest.ExceptionInfo[RoleLoadError]) -> list[str]:
    return [str(problem) for problem in exc.value.problems]


def test_valid_config_loads_without_problems(tmp_path: Path) -> None:
    config, problems = load(tmp_path, VALID)
    assert (config.ref_audio, config.ref_lang, config.multiREF) == ("ref.wav", "zh", "refAudio/")
    assert problems == []


def test_design_document_example_reports_file_line_and_column(tmp_path: Path) -> None:
    path = write_config(tmp_path / "银狼", DESIGN_DOC_EXAMPLE)
    with pytest.raises(RoleLoadError) as exc:
        load_role_config(path)
    assert str(exc.value) == f"{path}:7:5: invalid JSON: Expecting ',' delimiter"
    assert "config.json:7:5" in str(exc.value)


def test_utf8_bom_is_tolerated(tmp_path: Path) -> None:
    path = write_config(tmp_path, "\ufeff" + '{"ref_audio": "a.wav", "ref_text": "嗨", "ref_lang": "zh"}')
    config, _ = load_role_config(path)
    assert config.ref_text == "嗨"


def test_not_utf8_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_bytes('{"ref_text": "你好"}'.encode("gbk"))
    with pytest.raises(RoleLoadError, match="not UTF-8"):
        load_role_config(path)


def test_json_that_is_not_an_object_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RoleLoadError, match=r"must be a JSON object \{\.\.\.\}, got an array"):
        load(tmp_path, "[1, 2]")


def test_missing_required_key_is_named(tmp_path: Path) -> None:
    with pytest.raises(RoleLoadError) as exc:
        load(tmp_path, {"ref_audio": "ref.wav", "ref_text": "你好"})
    assert messages(exc) == [f"{tmp_path / 'config.json'}: key 'ref_lang': missing (required)"]


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        (
            "emotion_threshold",
            "high",
            "key 'emotion_threshold': must be a number between 0 and 1, got \"high\"",
        ),
        ("emotion_threshold", 1.5, "key 'emotion_threshold': must be a number between 0 and 1, got 1.5"),
        ("ref_audio", 42, "key 'ref_audio': must be a string, got 42"),
        (
            "clip_policy",
            "rr",
            "key 'clip_policy': must be one of 'first', 'round_robin', 'random', got \"rr\"",
        ),
        ("top_k", 0, "key 'top_k': must be a whole number at least 1, got 0"),
        ("top_p", 2, "key 'top_p': must be a number greater than 0 and at most 1, got 2"),
        ("speed", "1.0", "key 'speed': must be a number greater than 0, got \"1.0\""),
    ],
)
def test_wrong_value_names_the_key_and_what_was_expected(
    tmp_path: Path, key: str, value: object, expected: str
) -> None:
    with pytest.raises(RoleLoadError) as exc:
        load(tmp_path, {**VALID, key: value})
    assert messages(exc) == [f"{tmp_path / 'config.json'}: {expected}"]


def test_every_bad_key_is_reported_at_once(tmp_path: Path) -> None:
    with pytest.raises(RoleLoadError) as exc:
        load(tmp_path, {"ref_audio": "ref.wav", "ref_text": "你好", "emotion_threshold": "high", "gpt": 1})
    text = str(exc.value)
    assert "key 'ref_lang': missing" in text
    assert "key 'emotion_threshold'" in text
    assert "key 'gpt': must be a string, got 1" in text
    assert len(exc.value.problems) == 3


def test_unknown_keys_are_warnings_with_a_suggestion(tmp_path: Path) -> None:
    config, problems = load(tmp_path, {**VALID, "emotion_treshold": 0.5, "bertmodel": "B/", "colour": "red"})
    assert config.emotion_threshold == 0.35
    assert [problem.severity for problem in problems] == ["warning"] * 3
    texts = [problem.message for problem in problems]
    assert texts[0] == "unknown key 'emotion_treshold' is ignored; did you mean 'emotion_threshold'?"
    assert texts[1] == "unknown key 'bertmodel' is ignored; did you mean 'BERTmodel'?"
    assert texts[2] == "unknown key 'colour' is ignored"


def test_duplicate_key_is_a_warning(tmp_path: Path) -> None:
    config, problems = load(
        tmp_path, '{"ref_audio": "a.wav", "ref_text": "x", "ref_lang": "zh", "ref_lang": "ja"}'
    )
    assert config.ref_lang == "ja"
    assert [problem.message for problem in problems] == [
        "key 'ref_lang' is given twice; the last value is used"
    ]


def test_languages_are_normalized(tmp_path: Path) -> None:
    config, _ = load(tmp_path, {**VALID, "ref_lang": "JP", "text_lang": "English"})
    assert (config.ref_lang, config.text_lang) == ("ja", "en")


@pytest.mark.parametrize("key", ["ref_lang", "text_lang"])
def test_unknown_language_lists_valid_ones(tmp_path: Path, key: str) -> None:
    with pytest.raises(RoleLoadError) as exc:
        load(tmp_path, {**VALID, key: "klingon"})
    assert f"key {key!r}: unknown language 'klingon'; valid languages: all_ja" in str(exc.value)


def test_empty_ref_text_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RoleLoadError, match="key 'ref_text': must not be empty"):
        load(tmp_path, {**VALID, "ref_text": "  "})


def test_empty_weight_keys_mean_no_weights(tmp_path: Path) -> None:
    config, _ = load(tmp_path, {**VALID, "gpt": "", "sovits": ""})
    assert (config.gpt, config.sovits) == (None, None)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("ref_audio", "../other/ref.wav", "resolves to"),
        ("gpt", "weights/../../x.ckpt", "outside the role folder"),
        ("sovits", "/etc/passwd", "must be a path relative to the role folder, got the absolute path"),
        ("BERTmodel", "C:\\models\\BERT", "absolute path"),
        ("multiREF", "..\\refAudio", "outside the role folder"),
        ("multiREF", "", "key 'multiREF': must not be empty"),
    ],
)
def test_paths_must_stay_inside_the_role_folder(tmp_path: Path, key: str, value: str, expected: str) -> None:
    with pytest.raises(RoleLoadError) as exc:
        load(tmp_path / "role", {**VALID, key: value})
    assert f"key {key!r}" in str(exc.value)
    assert expected in str(exc.value)


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")
def test_symlink_leading_outside_is_rejected_and_inside_is_allowed(tmp_path: Path) -> None:
    folder = tmp_path / "role"
    outside = write_wav(tmp_path / "elsewhere.wav")
    write_wav(folder / "clips" / "real.wav")
    (folder / "escape.wav").symlink_to(outside)
    (folder / "alias.wav").symlink_to(folder / "clips" / "real.wav")
    with pytest.raises(RoleLoadError, match=r"key 'ref_audio': 'escape.wav' resolves to .*elsewhere.wav"):
        load(folder, {**VALID, "ref_audio": "escape.wav"})
    config, _ = load(folder, {**VALID, "ref_audio": "alias.wav"})
    assert config.ref_audio == "alias.wav"


def test_backslashes_are_separators(tmp_path: Path) -> None:
    assert role_path(tmp_path, "sub\\ref.wav") == tmp_path / "sub" / "ref.wav"

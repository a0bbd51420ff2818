from __future__ import annotations

import json
from pathlib import Path

import pytest

from emotts.errors import AudioFileError, RoleConfigError, UnknownLanguageError
from emotts.roles.check import check_roles
from emotts.roles.clips import CLIP_DURATION
from emotts.roles.loader import load_role
from emotts.roles.registry import RoleRegistry
from emotts.roles.scaffold import scaffold_role

from role_folders import DESIGN_DOC_EXAMPLE, make_role, write_config, write_wav

# --- check_roles -------------------------------------------------------------------------------------------


def test_check_reports_every_problem_of_every_role(tmp_path: Path) -> None:
    make_role(tmp_path, "good")
    write_config(tmp_path / "银狼", DESIGN_DOC_EXAMPLE)
    long_clips = make_role(tmp_path, "long_clips")
    write_wav(long_clips / "refAudio" / "中性" / "long.wav", seconds=12)
    write_wav(long_clips / "refAudio" / "高兴" / "short.wav", seconds=2)
    no_ref = make_role(tmp_path, "no_ref", ref_audio="missing.wav", emotion_treshold=0.5)
    write_wav(no_ref / "refAudio" / "中性" / "ok.wav")
    (no_ref / "refAudio" / "中性" / "bad.wav").write_bytes(b"junk")

    results = {result.name: result for result in check_roles(tmp_path)}
    assert list(results) == ["good", "long_clips", "no_ref", "银狼"]

    assert results["good"].ok and results["good"].problems == []

    [json_error] = results["银狼"].problems
    assert json_error.severity == "error"
    assert "银狼/config.json:7:5: invalid JSON: Expecting ',' delimiter" in str(json_error)
    assert not results["银狼"].ok

    durations = results["long_clips"].problems
    assert [(problem.path.name, problem.severity, problem.code) for problem in durations] == [
        ("long.wav", "error", CLIP_DURATION),  # refAudio/中性 sorts before refAudio/高兴
        ("short.wav", "error", CLIP_DURATION),
    ]
    assert not results["long_clips"].ok

    no_ref_problems = [(problem.severity, str(problem)) for problem in results["no_ref"].problems]
    assert no_ref_problems[0][0] == "error"
    assert f"file not found: {(no_ref / 'missing.wav').absolute()}" in no_ref_problems[0][1]
    assert ("warning", "did you mean 'emotion_threshold'?") in [
        (severity, text[-len("did you mean 'emotion_threshold'?") :]) for severity, text in no_ref_problems
    ]
    assert any(severity == "error" and "bad.wav" in text for severity, text in no_ref_problems)
    assert len(no_ref_problems) == 3


def test_check_keeps_duration_a_warning_when_serving(tmp_path: Path) -> None:
    folder = make_role(tmp_path, "r")
    write_wav(folder / "refAudio" / "中性" / "long.wav", seconds=12)
    registry = RoleRegistry(tmp_path)
    registry.reload()
    assert [problem.severity for problem in registry.get("r").problems] == ["warning"]
    assert [problem.severity for problem in check_roles(tmp_path)[0].problems] == ["error"]


def test_check_opens_the_weights_of_each_role(tmp_path: Path) -> None:
    from emotts.engines.gptsovits.random_weights import WIDTHS, write_gpt, write_sovits

    tiny = WIDTHS["tiny"]
    good = make_role(tmp_path, "good", gpt="g.ckpt", sovits="s.pth")
    write_gpt(good / "g.ckpt", "v2", tiny, 0)
    write_sovits(good / "s.pth", "v2ProPlus", tiny, 0)
    swapped = make_role(tmp_path, "swapped", gpt="s.pth", sovits="g.ckpt")
    write_gpt(swapped / "g.ckpt", "v2", tiny, 0)
    write_sovits(swapped / "s.pth", "v2", tiny, 0)
    mixed = make_role(tmp_path, "mixed", gpt="g.ckpt", sovits="s.pth")
    write_gpt(mixed / "g.ckpt", "v1", tiny, 0)
    write_sovits(mixed / "s.pth", "v2", tiny, 0)
    broken = make_role(tmp_path, "broken", gpt="g.ckpt")
    (broken / "g.ckpt").write_bytes(b"PK\x03\x04 not really a zip")

    results = {result.name: result for result in check_roles(tmp_path)}
    assert results["good"].ok and not results["good"].problems
    swapped_problems = [str(p) for p in results["swapped"].problems]
    assert any("s.pth: is a sovits file, but config.json names it as `gpt`" in p for p in swapped_problems)
    assert any("g.ckpt: is a gpt file, but config.json names it as `sovits`" in p for p in swapped_problems)
    (mismatch,) = results["mixed"].problems
    assert mismatch.severity == "error" and "uses the v1 phoneme table" in mismatch.message
    (unreadable,) = results["broken"].problems
    assert unreadable.severity == "error" and unreadable.path == broken / "g.ckpt"
    assert "`gpt` weights cannot be read" in unreadable.message


def test_check_of_a_missing_root_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RoleConfigError, match="does not exist"):
        check_roles(tmp_path / "nowhere")


# --- scaffold_role -----------------------------------------------------------------------------------------


def test_scaffold_creates_a_role_that_loads_and_passes_the_check(tmp_path: Path) -> None:
    clip = write_wav(tmp_path / "in" / "银狼.wav")
    folder = scaffold_role(
        tmp_path / "roles", "银狼", clip, "  骇入空间站的时候，\n我随手改了下画像。 ", "ZH"
    )
    assert folder == tmp_path / "roles" / "银狼"
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    assert config == {
        "ref_audio": "银狼.wav",
        "ref_text": "骇入空间站的时候， 我随手改了下画像。",
        "ref_lang": "zh",
        "multiREF": "refAudio/",
    }
    assert "骇入" in (folder / "config.json").read_text(encoding="utf-8")  # not \u-escaped
    role = load_role(folder)
    assert role.default_reference.audio_path.read_bytes() == clip.read_bytes()
    assert role.emotions == ["中性"]
    assert role.clips["中性"][0].reference.text == config["ref_text"]
    assert check_roles(tmp_path / "roles")[0].ok


def test_scaffold_refuses_to_overwrite(tmp_path: Path) -> None:
    clip = write_wav(tmp_path / "a.wav")
    scaffold_role(tmp_path / "roles", "r", clip, "你好", "zh")
    before = (tmp_path / "roles" / "r" / "config.json").read_text(encoding="utf-8")
    with pytest.raises(RoleConfigError, match="already exists"):
        scaffold_role(tmp_path / "roles", "r", clip, "别的", "zh")
    assert (tmp_path / "roles" / "r" / "config.json").read_text(encoding="utf-8") == before


@pytest.mark.parametrize("name", ["../x", "/etc", "a/b", "..", ".hidden", ""])
def test_scaffold_rejects_names_get_would_reject(tmp_path: Path, name: str) -> None:
    with pytest.raises(RoleConfigError, match="invalid role name"):
        scaffold_role(tmp_path / "roles", name, write_wav(tmp_path / "a.wav"), "你好", "zh")
    assert not (tmp_path / "x").exists()


def test_scaffold_validates_language_text_and_clip(tmp_path: Path) -> None:
    root = tmp_path / "roles"
    clip = write_wav(tmp_path / "a.wav")
    with pytest.raises(UnknownLanguageError):
        scaffold_role(root, "r", clip, "你好", "klingon")
    with pytest.raises(RoleConfigError, match=r"transcript .* is empty"):
        scaffold_role(root, "r", clip, "  ", "zh")
    with pytest.raises(RoleConfigError, match=r"12.00 s long; GPT-SoVITS needs 3–10 s"):
        scaffold_role(root, "r", write_wav(tmp_path / "long.wav", seconds=12), "你好", "zh")
    fake = tmp_path / "a.mp3"
    fake.write_bytes(b"junk")
    with pytest.raises(AudioFileError, match="not a readable audio file"):
        scaffold_role(root, "r", fake, "你好", "zh")
    assert not (root / "r").exists()

"""The `emotts` command, run as a user would (through click's runner)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import soundfile as sf
from click.testing import CliRunner

from emotts.cli import main

from gsv_fixtures import FIXTURES, needs_fixtures
from role_folders import DESIGN_DOC_EXAMPLE, write_config, write_wav

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "roles"


def test_say_writes_the_main_job_wav_with_the_angry_clip(tmp_path: Path) -> None:
    out = tmp_path / "angry.wav"
    result = CliRunner().invoke(
        main, ["say", "哼，你怎么又迟到了！", "--role", "demo", "--roles", str(EXAMPLES), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert sf.info(str(out)).duration > 0.5
    assert "愤怒" in result.output and "refAudio/愤怒" in result.output


def test_say_through_a_server(live_server, tmp_path: Path) -> None:
    out = tmp_path / "x.wav"
    result = CliRunner().invoke(
        main, ["say", "你好。", "--role", "demo", "--url", live_server(), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert sf.info(io.BytesIO(out.read_bytes())).frames > 0
    assert "中性" in result.output


def test_say_reports_unknown_roles_without_a_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["say", "你好", "--role", "ghost", "--roles", str(EXAMPLES)])
    assert result.exit_code == 1
    assert "unknown role 'ghost'; valid roles: demo" in result.output
    assert "Traceback" not in result.output


def test_example_roles_pass_the_check() -> None:
    result = CliRunner().invoke(main, ["roles", "check", str(EXAMPLES)])
    assert result.exit_code == 0, result.output
    assert "1 of 1 role(s) ok" in result.output


def test_roles_check_reports_the_design_documents_broken_config(tmp_path: Path) -> None:
    write_config(tmp_path / "银狼", DESIGN_DOC_EXAMPLE)
    write_config(tmp_path / "good", {"ref_audio": "ref.wav", "ref_text": "你好。", "ref_lang": "zh"})
    write_wav(tmp_path / "good" / "ref.wav")
    result = CliRunner(env={"COLUMNS": "200"}).invoke(main, ["roles", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert "config.json:7:5: invalid JSON: Expecting ',' delimiter" in result.output
    assert "1 of 2 role(s) ok" in result.output


def test_roles_new_scaffolds_a_role_that_checks_clean(tmp_path: Path) -> None:
    clip = write_wav(tmp_path / "alice.wav")
    roles = tmp_path / "roles"
    args = [
        "roles",
        "new",
        "alice",
        "--ref",
        str(clip),
        "--text",
        "你好，我是爱丽丝。",
        "--roles",
        str(roles),
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert CliRunner().invoke(main, ["roles", "check", str(roles)]).exit_code == 0
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 1 and "alice" in again.output


def test_emotion_prints_each_sentence_as_json() -> None:
    result = CliRunner().invoke(main, ["emotion", "今天真是太开心了！[sad]我要走了。", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(row["emotion"], row["source"]) for row in rows] == [("高兴", "classifier"), ("悲伤", "tag")]


def test_serve_refuses_a_missing_roles_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["serve", "--roles", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "does not exist" in result.output


def test_help_explains_every_command() -> None:
    for args in (["--help"], ["serve", "--help"], ["say", "--help"], ["roles", "check", "--help"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0 and "Usage:" in result.output


@needs_fixtures
def test_gsv_inspect_reports_version_and_lora_rank() -> None:
    result = CliRunner().invoke(
        main, ["gsv", "inspect", str(FIXTURES / "models" / "v4" / "sovits.pth"), "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["kind"] == "sovits" and summary["version"] == "v4" and summary["lora_rank"] == 4
    table = CliRunner(env={"COLUMNS": "200"}).invoke(
        main, ["gsv", "inspect", str(FIXTURES / "models" / "v2" / "gpt.ckpt")]
    )
    assert table.exit_code == 0 and "gpt" in table.output and "early_stop_num" in table.output


def test_gsv_inspect_names_a_file_that_is_not_a_checkpoint(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.pth"
    bogus.write_bytes(b"not a checkpoint")
    result = CliRunner().invoke(main, ["gsv", "inspect", str(bogus)])
    assert result.exit_code == 1 and "bogus.pth" in result.output and "Traceback" not in result.output

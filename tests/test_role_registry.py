from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest

from emotts.errors import RoleConfigError, UnknownRoleError
from emotts.roles.config import RoleLoadError
from emotts.roles.loader import load_role
from emotts.roles.registry import BrokenRoleError, RoleRegistry

from role_folders import make_role, write_config, write_wav

# --- load_role ---------------------------------------------------------------------------------------------


def test_load_role_builds_the_role(tmp_path: Path) -> None:
    folder = make_role(tmp_path, "银狼", gpt="w/g.ckpt", sovits="w/s.pth", text_lang="ja")
    (folder / "w").mkdir()
    (folder / "w" / "g.ckpt").write_bytes(b"x")
    (folder / "w" / "s.pth").write_bytes(b"x")
    (folder / "BERT").mkdir()
    write_wav(folder / "refAudio" / "angry" / "【愤怒】走开.wav")
    role = load_role(folder)
    assert role.name == "银狼"
    assert role.folder == folder.absolute()
    assert role.default_reference.audio_path == folder.absolute() / "ref.wav"
    assert (role.default_reference.text, role.default_reference.language) == ("你好，我是测试角色。", "zh")
    assert role.voice.gpt_path == folder.absolute() / "w" / "g.ckpt"
    assert role.voice.sovits_path == folder.absolute() / "w" / "s.pth"
    assert role.bert_dir == folder.absolute() / "BERT"
    assert role.emotions == ["愤怒"]
    assert role.clips["愤怒"][0].reference.text == "走开"
    assert role.problems == ()


def test_role_without_optional_parts_has_no_problems(tmp_path: Path) -> None:
    role = load_role(make_role(tmp_path, "plain"))
    assert (role.voice.gpt_path, role.bert_dir, dict(role.clips), role.problems) == (None, None, {}, ())


def test_missing_config_names_the_expected_path(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(RoleConfigError) as exc:
        load_role(tmp_path / "empty")
    assert str(exc.value) == f"no config.json (expected {(tmp_path / 'empty' / 'config.json').absolute()})"


def test_missing_ref_audio_names_its_full_path(tmp_path: Path) -> None:
    folder = make_role(tmp_path, "r", ref_audio="voice/银狼.wav")
    with pytest.raises(RoleLoadError) as exc:
        load_role(folder)
    assert f"key 'ref_audio': file not found: {folder.absolute() / 'voice' / '银狼.wav'}" in str(exc.value)


def test_missing_weights_are_errors_but_the_role_loads(tmp_path: Path) -> None:
    role = load_role(make_role(tmp_path, "r", gpt="g.ckpt"))
    assert role.voice.gpt_path == tmp_path.absolute() / "r" / "g.ckpt"  # kept: GPT-SoVITS must fail loudly
    [problem] = role.problems
    assert problem.severity == "error"
    assert f"key 'gpt': weight file not found: {role.voice.gpt_path}" in problem.message


def test_missing_folders_warn_only_when_named_explicitly(tmp_path: Path) -> None:
    assert load_role(make_role(tmp_path, "implicit")).problems == ()
    role = load_role(make_role(tmp_path, "explicit", BERTmodel="bert/", multiREF="clips/"))
    assert [(problem.severity, problem.message.split(":")[0]) for problem in role.problems] == [
        ("warning", "key 'BERTmodel'"),
        ("warning", "key 'multiREF'"),
    ]


def test_role_collects_clip_problems(tmp_path: Path) -> None:
    folder = make_role(tmp_path, "r")
    write_wav(folder / "refAudio" / "中性" / "long.wav", seconds=12)
    role = load_role(folder)
    assert [problem.code for problem in role.problems] == ["clip_duration"]
    assert role.emotions == ["中性"]


# --- RoleRegistry ------------------------------------------------------------------------------------------


def registry_with(root: Path, *names: str) -> RoleRegistry:
    for name in names:
        make_role(root, name)
    registry = RoleRegistry(root)
    registry.reload()
    return registry


def test_one_broken_role_does_not_stop_the_others(tmp_path: Path) -> None:
    make_role(tmp_path, "a")
    write_config(tmp_path / "broken", "{ nope")
    (tmp_path / "no_config").mkdir()
    make_role(tmp_path, "z")
    registry = RoleRegistry(tmp_path)
    report = registry.reload()
    assert registry.names() == ["a", "z"]
    assert [role.name for role in registry.roles()] == ["a", "z"]
    assert report.loaded == ("a", "z")
    assert set(report.failed) == {"broken", "no_config"}
    statuses = {status.name: status for status in registry.status()}
    assert statuses["broken"].role is None and not statuses["broken"].stale
    assert "config.json:1:3: invalid JSON" in statuses["broken"].error
    assert statuses["no_config"].error.startswith("no config.json")
    assert registry.status("a")[0].error is None
    assert registry.status("missing") == []


def test_half_written_config_keeps_the_last_good_version(tmp_path: Path) -> None:
    registry = registry_with(tmp_path, "银狼")
    good = registry.get("银狼")
    write_config(tmp_path / "银狼", '{"ref_audio": "ref.wav", "ref_te')
    report = registry.reload()
    assert report.stale == ("银狼",)
    assert registry.get("银狼") is good
    [status] = registry.status("银狼")
    assert status.stale and status.role is good
    assert "invalid JSON" in status.error
    make_role(tmp_path, "银狼", ref_text="修好了。")
    registry.reload()
    [status] = registry.status("银狼")
    assert (status.stale, status.error) == (False, None)
    assert registry.get("银狼").default_reference.text == "修好了。"


def test_deleted_role_disappears(tmp_path: Path) -> None:
    registry = registry_with(tmp_path, "a", "b")
    shutil.rmtree(tmp_path / "b")
    report = registry.reload()
    assert report.removed == ("b",)
    assert registry.names() == ["a"]
    with pytest.raises(UnknownRoleError):
        registry.get("b")


def test_hidden_folders_are_not_roles(tmp_path: Path) -> None:
    make_role(tmp_path, ".git")
    assert registry_with(tmp_path, "a").names() == ["a"]


@pytest.mark.parametrize("name", ["../x", "/etc", "a/b", "a\\b", "..", ".", ".hidden", "", "a\0b", "C:x"])
def test_names_that_could_leave_the_root_are_unknown(tmp_path: Path, name: str) -> None:
    registry = registry_with(tmp_path / "roles", "a", "b")
    make_role(tmp_path, "x")  # a role folder next to the root, which ../x would reach
    make_role(tmp_path / "roles", ".hidden")
    with pytest.raises(UnknownRoleError) as exc:
        registry.get(name)
    assert exc.value.valid == ["a", "b"]
    assert "valid roles: a, b" in str(exc.value)


def test_broken_role_is_unknown_with_a_pointer_to_check(tmp_path: Path) -> None:
    make_role(tmp_path, "ok")
    write_config(tmp_path / "broken", "{")
    registry = RoleRegistry(tmp_path)
    registry.reload()
    with pytest.raises(BrokenRoleError) as exc:
        registry.get("broken")
    assert isinstance(exc.value, UnknownRoleError)
    assert str(exc.value) == "role 'broken' failed to load (see `emotts roles check`); valid roles: ok"
    assert "invalid JSON" in exc.value.error


def test_get_before_reload_knows_no_roles(tmp_path: Path) -> None:
    make_role(tmp_path, "a")
    with pytest.raises(UnknownRoleError, match=r"valid roles: \(none\)"):
        RoleRegistry(tmp_path).get("a")


def test_missing_root_raises_and_keeps_the_roles(tmp_path: Path) -> None:
    root = tmp_path / "roles"
    registry = registry_with(root, "a")
    shutil.rmtree(root)
    with pytest.raises(RoleConfigError, match="does not exist"):
        registry.reload()
    assert registry.names() == ["a"]


def test_concurrent_reload_and_get(tmp_path: Path) -> None:
    registry = registry_with(tmp_path, "a", "b", "c")
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        try:
            while not stop.is_set():
                for name in registry.names():
                    assert registry.get(name).name == name
                assert len(registry.status()) == 3
                time.sleep(0.0005)  # let the reloaders run: spinning readers would starve them of the GIL
        except BaseException as exc:
            errors.append(exc)

    def reload() -> None:
        try:
            for index in range(10):
                if index % 2:
                    write_config(tmp_path / "b", "{")  # broken: "b" stays served, stale
                else:
                    make_role(tmp_path, "b", ref_text=f"第{index}版。")
                registry.reload()
        except BaseException as exc:
            errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(4)]
    reloaders = [threading.Thread(target=reload) for _ in range(2)]
    for thread in readers + reloaders:
        thread.start()
    for thread in reloaders:
        thread.join()
    stop.set()
    for thread in readers:
        thread.join()
    assert errors == []
    assert registry.get("b").name == "b"


def test_default_folder_symlinked_outside_the_role_is_ignored_with_an_error(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    folder = make_role(tmp_path / "roles", "linked")
    (folder / "BERT").symlink_to(outside, target_is_directory=True)
    registry = RoleRegistry(tmp_path / "roles")
    registry.reload()
    role = registry.get("linked")
    assert role.bert_dir is None
    assert any(
        p.severity == "error" and "BERTmodel" in p.message and "outside" in p.message for p in role.problems
    )

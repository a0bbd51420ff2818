from __future__ import annotations

import os
from pathlib import Path

import pytest

from emotts.roles.clips import CLIP_DURATION, scan_clips

from role_folders import write_wav


def names(clips: tuple) -> list[str]:
    return [clip.reference.audio_path.name for clip in clips]


def test_both_layouts_and_alias_folder_names(tmp_path: Path) -> None:
    write_wav(tmp_path / "愤怒" / "a.wav")
    write_wav(tmp_path / "angry" / "b.wav")
    write_wav(tmp_path / "开心" / "c.wav")
    write_wav(tmp_path / "银狼" / "neutral" / "d.wav")
    write_wav(tmp_path / "银狼" / "生气" / "e.wav")
    clips, problems = scan_clips(tmp_path, "zh")
    assert problems == []
    assert list(clips) == ["高兴", "愤怒", "中性"]  # label order
    assert names(clips["愤怒"]) == ["b.wav", "a.wav", "e.wav"]  # angry/ < 愤怒/ < 银狼/ by path
    assert [clip.group for clip in clips["愤怒"]] == [None, None, "银狼"]
    assert clips["中性"][0].group == "银狼"
    assert all(clip.emotion == "愤怒" for clip in clips["愤怒"])
    assert clips["高兴"][0].duration == pytest.approx(4.0)


def test_order_is_by_path_not_creation(tmp_path: Path) -> None:
    for name in ("c.wav", "a.wav", "b.wav"):
        write_wav(tmp_path / "中性" / name)
    first, _ = scan_clips(tmp_path, "zh")
    second, _ = scan_clips(tmp_path, "zh")
    assert names(first["中性"]) == ["a.wav", "b.wav", "c.wav"]
    assert first == second


def test_transcript_from_filename_drops_leading_tags(tmp_path: Path) -> None:
    write_wav(tmp_path / "愤怒" / "【愤怒】你怎么又迟到了.wav")
    write_wav(tmp_path / "高兴" / "[01] [happy]Great news.wav")
    clips, _ = scan_clips(tmp_path, "zh")
    assert clips["愤怒"][0].reference.text == "你怎么又迟到了"
    assert clips["高兴"][0].reference.text == "Great news"
    assert clips["愤怒"][0].reference.language == "zh"


def test_sidecar_transcript_and_language(tmp_path: Path) -> None:
    folder = tmp_path / "高兴"
    write_wav(folder / "1.wav")
    (folder / "1.txt").write_text("\n  今天真开心！ \n第二行不算\n", encoding="utf-8")
    write_wav(folder / "2.wav")
    (folder / "2.lab").write_text("ja|やった、嬉しい！", encoding="utf-8")
    write_wav(folder / "3.wav")
    (folder / "3.txt").write_text("\ufeffEnglish | Hooray!", encoding="utf-8")
    clips, problems = scan_clips(tmp_path, "zh")
    assert problems == []
    references = [clip.reference for clip in clips["高兴"]]
    assert [(ref.text, ref.language) for ref in references] == [
        ("今天真开心！", "zh"),
        ("やった、嬉しい！", "ja"),
        ("Hooray!", "en"),
    ]


def test_txt_sidecar_wins_over_lab(tmp_path: Path) -> None:
    write_wav(tmp_path / "中性" / "x.wav")
    (tmp_path / "中性" / "x.txt").write_text("from txt", encoding="utf-8")
    (tmp_path / "中性" / "x.lab").write_text("from lab", encoding="utf-8")
    clips, _ = scan_clips(tmp_path, "en")
    assert clips["中性"][0].reference.text == "from txt"


def test_bad_sidecars_skip_the_clip_with_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "悲伤"
    write_wav(folder / "empty.wav")
    (folder / "empty.txt").write_text("\n  \n", encoding="utf-8")
    write_wav(folder / "lang.wav")
    (folder / "lang.txt").write_text("xx|什么语言", encoding="utf-8")
    write_wav(folder / "【悲伤】.wav")
    write_wav(folder / "ok.wav")
    clips, problems = scan_clips(tmp_path, "zh")
    assert names(clips["悲伤"]) == ["ok.wav"]
    assert {(problem.severity, problem.path.name) for problem in problems} == {
        ("error", "empty.wav"),
        ("error", "lang.wav"),
        ("error", "【悲伤】.wav"),
    }
    by_name = {problem.path.name: problem.message for problem in problems}
    assert by_name["empty.wav"] == "empty transcript in empty.txt; skipped"
    assert "unknown language 'xx'" in by_name["lang.wav"]
    assert by_name["【悲伤】.wav"].startswith("empty transcript")


def test_duration_outside_3_to_10_seconds_is_flagged_but_kept(tmp_path: Path) -> None:
    write_wav(tmp_path / "中性" / "short.wav", seconds=2)
    write_wav(tmp_path / "中性" / "long.wav", seconds=12)
    write_wav(tmp_path / "中性" / "fine.wav", seconds=4)
    clips, problems = scan_clips(tmp_path, "zh")
    assert names(clips["中性"]) == ["fine.wav", "long.wav", "short.wav"]
    assert sorted((problem.path.name, problem.severity, problem.code) for problem in problems) == [
        ("long.wav", "warning", CLIP_DURATION),
        ("short.wav", "warning", CLIP_DURATION),
    ]
    assert "12.00 s" in next(problem.message for problem in problems if problem.path.name == "long.wav")


def test_stereo_clip_is_used_without_complaint(tmp_path: Path) -> None:
    write_wav(tmp_path / "中性" / "stereo.wav", channels=2)
    clips, problems = scan_clips(tmp_path, "zh")
    assert names(clips["中性"]) == ["stereo.wav"] and problems == []


def test_other_audio_formats_and_unreadable_files(tmp_path: Path) -> None:
    folder = tmp_path / "中性"
    write_wav(folder / "good.wav")
    (folder / "song.mp3").write_bytes(b"not really audio")
    (folder / "broken.wav").write_bytes(b"RIFF garbage")
    (folder / "notes.md").write_text("ignored silently", encoding="utf-8")
    clips, problems = scan_clips(tmp_path, "zh")
    assert names(clips["中性"]) == ["good.wav"]
    by_name = {problem.path.name: problem for problem in problems}
    assert set(by_name) == {"song.mp3", "broken.wav"}
    assert by_name["song.mp3"].severity == "warning"
    assert by_name["song.mp3"].message == ".mp3 clips are not used; convert it to .wav"
    assert by_name["broken.wav"].severity == "error"
    assert by_name["broken.wav"].message.startswith("not a readable audio file")


def test_unknown_folders_and_stray_files_are_warned_about(tmp_path: Path) -> None:
    write_wav(tmp_path / "中性" / "ok.wav")
    write_wav(tmp_path / "misc" / "x.wav")
    write_wav(tmp_path / "loose.wav")
    write_wav(tmp_path / "银狼" / "愤怒" / "y.wav")
    write_wav(tmp_path / "银狼" / "outtakes" / "z.wav")
    write_wav(tmp_path / ".hidden" / "h.wav")
    clips, problems = scan_clips(tmp_path, "zh")
    assert set(clips) == {"中性", "愤怒"}
    assert sorted(
        (problem.path.relative_to(tmp_path).as_posix(), problem.severity) for problem in problems
    ) == [
        ("loose.wav", "warning"),
        ("misc", "warning"),
        ("银狼/outtakes", "warning"),
    ]


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")
def test_clip_linking_outside_the_folder_is_skipped(tmp_path: Path) -> None:
    multiref = tmp_path / "refAudio"
    outside = write_wav(tmp_path / "secret.wav")
    (multiref / "中性").mkdir(parents=True)
    (multiref / "中性" / "link.wav").symlink_to(outside)
    clips, problems = scan_clips(multiref, "zh")
    assert clips == {}
    assert [problem.severity for problem in problems] == ["error"]
    assert "outside the multiREF folder" in problems[0].message

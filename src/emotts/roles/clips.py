"""Finding a role's emotional reference clips under its multiREF folder.

Layouts, both at once: `<multiREF>/<emotion>/*.wav` and `<multiREF>/<group>/<emotion>/*.wav`, where a group is
a character-named level (a folder that itself holds emotion folders). Emotion folders may use any name
`parse_emotion` knows: a label, its English name or a synonym (`愤怒/`, `angry/`, `生气/` are one emotion).
Clips of one emotion are ordered by path, so every scan gives the same order.

Transcript: the first non-empty line of a sidecar `<stem>.txt` (else `<stem>.lab`) next to the clip. A `|`
in that line separates a language code from the transcript (`ja|おはようございます`, as in GPT-SoVITS
`.list` files); without one the clip speaks the role's language. Without a sidecar the filename stem is the
transcript, minus leading tags: `【愤怒】你怎么又迟到了.wav` → `你怎么又迟到了`.

Severity: "error" means the clip was skipped (unreadable, empty transcript, unknown sidecar language, a link
leading out of the folder). "warning" means something was ignored (other audio formats, unknown folders) or
the clip is kept despite it. A duration outside 3–10 s is a warning with code CLIP_DURATION: the preview
engine uses such clips but GPT-SoVITS refuses them, so `roles check` reports them as errors.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

from emotts.audio.wavio import AudioInfo, audio_info
from emotts.emotion.labels import EMOTIONS, parse_emotion
from emotts.engines.base import Reference
from emotts.errors import AudioFileError, UnknownLanguageError
from emotts.languages import normalize_language
from emotts.roles.model import Problem, ReferenceClip

log = logging.getLogger(__name__)

CLIP_DURATION = "clip_duration"  # Problem.code of clips GPT-SoVITS refuses for their length
MIN_SECONDS, MAX_SECONDS = 3.0, 10.0  # GPT-SoVITS's limits for reference audio

_SIDECARS = (".txt", ".lab")
_OTHER_AUDIO = frozenset({".mp3", ".ogg", ".flac", ".m4a", ".aac", ".opus", ".wma", ".aiff", ".aif"})
_WAV_FORMATS = frozenset({"WAV", "WAVEX"})
_LEADING_TAGS = re.compile(r"^(?:\s*(?:【[^】]*】|\[[^\]]*\]))+\s*")

Clips = dict[str, tuple[ReferenceClip, ...]]


def scan_clips(multiref_dir: Path, default_lang: str) -> tuple[Clips, list[Problem]]:
    """Clips of the existing folder `multiref_dir` by emotion label (label order, sorted paths inside)."""
    folders, problems = _emotion_folders(multiref_dir)
    real_root = multiref_dir.resolve()
    found: dict[str, list[ReferenceClip]] = {}
    for folder, label, group in folders:
        for path in _visible(folder):
            suffix = path.suffix.lower()
            if suffix in _OTHER_AUDIO:
                problems.append(Problem("warning", f"{suffix} clips are not used; convert it to .wav", path))
            elif suffix == ".wav":
                clip, clip_problems = _read_clip(path, label, group, default_lang, real_root)
                problems += clip_problems
                if clip is not None:
                    found.setdefault(label, []).append(clip)
    clips = {
        label: tuple(sorted(found[label], key=lambda clip: clip.reference.audio_path))
        for label in EMOTIONS
        if label in found
    }
    log.debug("%s: %d clip(s) for %d emotion(s)", multiref_dir, sum(map(len, clips.values())), len(clips))
    return clips, problems


def audio_problems(info: AudioInfo) -> list[Problem]:
    """What GPT-SoVITS would object to in a readable reference clip (also used for the role's ref_audio)."""
    problems = []
    if info.format not in _WAV_FORMATS:
        problems.append(Problem("warning", f"holds {info.format} audio, not WAV", info.path))
    if not MIN_SECONDS <= info.duration <= MAX_SECONDS:
        message = (
            f"clip is {info.duration:.2f} s long; GPT-SoVITS only takes {MIN_SECONDS:g}–{MAX_SECONDS:g} s "
            "references (the preview engine still uses it)"
        )
        problems.append(Problem("warning", message, info.path, code=CLIP_DURATION))
    return problems


def _visible(folder: Path) -> Iterator[Path]:
    """Entries of `folder` in name order, without hidden ones (.DS_Store, .git)."""
    return (entry for entry in sorted(folder.iterdir()) if not entry.name.startswith("."))


def _emotion_folders(root: Path) -> tuple[list[tuple[Path, str, str | None]], list[Problem]]:
    """(folder, label, group) of every emotion folder in both layouts, and what does not fit either."""
    folders: list[tuple[Path, str, str | None]] = []
    problems: list[Problem] = []
    for entry in _visible(root):
        if not entry.is_dir():
            problems += _stray_file(entry)
        elif _holds_emotion_folders(entry):
            for sub in _visible(entry):
                label = parse_emotion(sub.name) if sub.is_dir() else None
                if label is not None:
                    folders.append((sub, label, entry.name))
                elif sub.is_dir():
                    problems.append(_unknown_folder(sub))
                else:
                    problems += _stray_file(sub)
        elif (label := parse_emotion(entry.name)) is not None:
            folders.append((entry, label, None))
        else:
            problems.append(_unknown_folder(entry))
    return folders, problems


def _holds_emotion_folders(folder: Path) -> bool:
    return any(sub.is_dir() and parse_emotion(sub.name) is not None for sub in _visible(folder))


def _unknown_folder(folder: Path) -> Problem:
    return Problem(
        "warning", f"folder {folder.name!r} names no emotion and holds no emotion folders; ignored", folder
    )


def _stray_file(path: Path) -> list[Problem]:
    """Audio outside an emotion folder is a misplaced clip; other files (notes, sidecars) are left alone."""
    if path.suffix.lower() == ".wav" or path.suffix.lower() in _OTHER_AUDIO:
        return [Problem("warning", "audio file is not inside an emotion folder; ignored", path)]
    return []


def _read_clip(
    path: Path, label: str, group: str | None, default_lang: str, real_root: Path
) -> tuple[ReferenceClip | None, list[Problem]]:
    target = path.resolve()
    if not target.is_relative_to(real_root):
        return None, [Problem("error", f"links to {target}, outside the multiREF folder; skipped", path)]
    try:
        info = audio_info(path)
    except AudioFileError as exc:
        return None, [Problem("error", f"{exc.reason}; skipped", path)]
    try:
        text, language = _transcript(path, default_lang)
    except ValueError as exc:
        return None, [Problem("error", f"{exc}; skipped", path)]
    reference = Reference(path, text, language)
    return ReferenceClip(reference, label, group, info.duration), audio_problems(info)


def _transcript(clip: Path, default_lang: str) -> tuple[str, str]:
    """(transcript, language) from the sidecar or the filename; ValueError says what is wrong."""
    sidecar = next((clip.with_suffix(ext) for ext in _SIDECARS if clip.with_suffix(ext).is_file()), None)
    if sidecar is None:
        text = _LEADING_TAGS.sub("", clip.stem).strip()
        if not text:
            raise ValueError("empty transcript: the filename has no text and there is no .txt/.lab sidecar")
        return text, default_lang
    try:
        content = sidecar.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read transcript {sidecar.name}: {exc}") from exc
    line = next((line.strip() for line in content.splitlines() if line.strip()), "")
    language = default_lang
    if "|" in line:
        code, _, line = line.partition("|")
        try:
            language = normalize_language(code)
        except UnknownLanguageError as exc:
            raise ValueError(f"transcript {sidecar.name}: {exc}") from exc
    text = line.strip()
    if not text:
        raise ValueError(f"empty transcript in {sidecar.name}")
    return text, language

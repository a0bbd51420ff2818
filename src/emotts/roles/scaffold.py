"""`emotts roles new`: a fresh role folder that loads and passes `roles check` as it is.

Layout written: `<name>/<clip>.wav` (the default reference), `<name>/config.json`, and the same clip as the
first neutral clip, `<name>/refAudio/中性/<clip>.wav` with its transcript in `<clip>.txt`, so that emotions
without clips of their own fall back to it and users see where further clips go.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

from emotts.audio.wavio import audio_info
from emotts.emotion.labels import NEUTRAL
from emotts.errors import RoleConfigError
from emotts.languages import normalize_language
from emotts.roles.clips import MAX_SECONDS, MIN_SECONDS
from emotts.roles.loader import CONFIG_NAME
from emotts.roles.registry import is_valid_role_name

log = logging.getLogger(__name__)

MULTIREF = "refAudio"


def scaffold_role(root: Path, name: str, ref_clip: Path, text: str, lang: str) -> Path:
    """Create `<root>/<name>/` around `ref_clip` (a 3–10 s WAV) and return it; never overwrites anything."""
    if not is_valid_role_name(name):
        raise RoleConfigError(f"invalid role name {name!r}: use a folder name without / \\ or a leading dot")
    language = normalize_language(lang)
    transcript = " ".join(text.split())  # one line: sidecars hold a single transcript line
    if not transcript:
        raise RoleConfigError("the transcript of the reference clip is empty")
    info = audio_info(ref_clip)
    if ref_clip.suffix.lower() != ".wav" or not info.format.startswith("WAV"):
        raise RoleConfigError(f"{ref_clip}: the reference clip must be a WAV file (.wav)")
    if not MIN_SECONDS <= info.duration <= MAX_SECONDS:
        raise RoleConfigError(
            f"{ref_clip}: the reference clip is {info.duration:.2f} s long; "
            f"GPT-SoVITS needs {MIN_SECONDS:g}–{MAX_SECONDS:g} s"
        )

    folder = root / name
    root.mkdir(parents=True, exist_ok=True)
    try:
        folder.mkdir()  # fails if the role exists, even when created between a check and here
    except FileExistsError:
        raise RoleConfigError(f"role folder {folder} already exists; choose another name") from None
    try:
        _fill(folder, ref_clip, transcript, language)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # leave no half-made role for the registry to trip on
        raise
    log.info("created role %s in %s", name, folder)
    return folder


def _fill(folder: Path, ref_clip: Path, transcript: str, language: str) -> None:
    shutil.copyfile(ref_clip, folder / ref_clip.name)
    neutral = folder / MULTIREF / NEUTRAL
    neutral.mkdir(parents=True)
    shutil.copyfile(ref_clip, neutral / ref_clip.name)
    (neutral / ref_clip.name).with_suffix(".txt").write_text(transcript + "\n", encoding="utf-8")
    config = {
        "ref_audio": ref_clip.name,
        "ref_text": transcript,
        "ref_lang": language,
        "multiREF": f"{MULTIREF}/",
    }
    text = json.dumps(config, ensure_ascii=False, indent=4) + "\n"
    (folder / CONFIG_NAME).write_text(text, encoding="utf-8")

"""Loading one role folder: config, default reference, model weights, classifier folder and emotional clips.

Fatal (RoleLoadError; the role is not served): no or invalid config.json, a ref_audio that is missing or
unreadable. Everything else lands on `Role.problems` and the role is served:
- a configured gpt/sovits file that does not exist is an "error" problem, yet its path stays in `voice`, so
  GPT-SoVITS fails naming the file instead of quietly speaking with its default weights, while the preview
  engine (which ignores weights) keeps working;
- a missing BERTmodel or multiREF folder is a warning only when config.json names it (defaults are optional).
The loader still inspects everything after a fatal problem, so that `roles check` can report it all at once.
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import MappingProxyType

from emotts.audio.wavio import audio_info
from emotts.engines.base import Reference, VoiceModel
from emotts.errors import AudioFileError
from emotts.roles.clips import Clips, audio_problems, scan_clips
from emotts.roles.config import RoleLoadError, load_role_config, role_path
from emotts.roles.model import Problem, Role, RoleConfig

log = logging.getLogger(__name__)

CONFIG_NAME = "config.json"


def load_role(folder: Path) -> Role:
    """The role in `folder` (named after it); raises RoleLoadError listing what makes it unusable."""
    folder = folder.absolute()  # every path on the Role, and in messages, is a full path
    config_path = folder / CONFIG_NAME
    if not config_path.is_file():
        raise RoleLoadError([Problem("error", f"no {CONFIG_NAME} (expected {config_path})")])
    config, problems = load_role_config(config_path)
    fatal: list[Problem] = []

    ref_audio = role_path(folder, config.ref_audio)
    try:
        problems += audio_problems(audio_info(ref_audio))
    except AudioFileError as exc:
        fatal.append(Problem("error", f"key 'ref_audio': {exc.reason}: {ref_audio}", config_path))

    voice, weight_problems = _voice(folder, config, config_path)
    bert_dir, bert_problems = _optional_folder(folder, config, "BERTmodel", config_path)
    clips, clip_problems = _clips(folder, config, config_path)
    problems += weight_problems + bert_problems + clip_problems
    if fatal:
        raise RoleLoadError(fatal, problems)

    log.debug("loaded role %s: %d emotion(s), %d problem(s)", folder.name, len(clips), len(problems))
    return Role(
        name=folder.name,
        folder=folder,
        config=config,
        default_reference=Reference(ref_audio, config.ref_text.strip(), config.ref_lang),
        clips=MappingProxyType(clips),  # roles are shared between threads: keep them read-only
        voice=voice,
        bert_dir=bert_dir,
        problems=tuple(problems),
    )


def _voice(folder: Path, config: RoleConfig, config_path: Path) -> tuple[VoiceModel, list[Problem]]:
    paths: dict[str, Path | None] = {}
    problems = []
    for key in ("gpt", "sovits"):
        value = getattr(config, key)
        path = paths[key] = role_path(folder, value) if value else None
        if path is not None and not path.is_file():
            message = f"key {key!r}: weight file not found: {path} (engines that load weights will fail)"
            problems.append(Problem("error", message, config_path))
    return VoiceModel(gpt_path=paths["gpt"], sovits_path=paths["sovits"]), problems


def _optional_folder(
    folder: Path, config: RoleConfig, key: str, config_path: Path
) -> tuple[Path | None, list[Problem]]:
    """The folder named by `key` if it exists; a warning only when config.json names it explicitly.

    The default folders (BERT/, refAudio/) are not checked with the config, so a symlink leading out of the
    role is caught here: it is ignored, with an error, rather than failing the whole role."""
    try:
        path = role_path(folder, getattr(config, key))
    except ValueError as exc:
        return None, [Problem("error", f"key {key!r}: {exc}", config_path)]
    if path.is_dir():
        return path, []
    if key not in config.model_fields_set and not path.exists():
        return None, []
    reason = "is not a folder" if path.exists() else "folder not found"
    return None, [Problem("warning", f"key {key!r}: {reason}: {path}", config_path)]


def _clips(folder: Path, config: RoleConfig, config_path: Path) -> tuple[Clips, list[Problem]]:
    multiref, problems = _optional_folder(folder, config, "multiREF", config_path)
    if multiref is None:
        return {}, problems
    return scan_clips(multiref, config.ref_lang)

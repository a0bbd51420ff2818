"""`emotts roles check`: every problem of every role folder, judged by what GPT-SoVITS will accept.

The check is stricter than serving: clips GPT-SoVITS refuses for their length (code CLIP_DURATION) are
warnings on a served role, since the preview engine uses them, but errors here; and a role's BERT classifier
is loaded, which serving does only when the role first speaks, so a model that cannot load is an error here.
Likewise the role's GPT and SoVITS files are opened and identified as the gptsovits engine will.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

from emotts.emotion.bert import BertEmotionClassifier, ClassifierLoadError  # imports torch only to load
from emotts.errors import RoleConfigError
from emotts.roles.clips import CLIP_DURATION
from emotts.roles.config import RoleLoadError
from emotts.roles.loader import load_role
from emotts.roles.model import Problem, Role
from emotts.roles.registry import role_folders

log = logging.getLogger(__name__)

_ERRORS_WHEN_CHECKING = frozenset({CLIP_DURATION})


@dataclass(frozen=True)
class RoleCheck:
    name: str
    folder: Path
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        """No error-level problems."""
        return all(problem.severity != "error" for problem in self.problems)


def check_roles(root: Path) -> list[RoleCheck]:
    """A RoleCheck per role folder under `root`, by name; RoleConfigError if `root` is not a folder."""
    if not root.is_dir():
        raise RoleConfigError(f"roles folder {root} does not exist")
    return [check_role(folder) for folder in role_folders(root)]


def check_role(folder: Path) -> RoleCheck:
    try:
        role = load_role(folder)
        problems = [*role.problems, *_classifier_problems(role), *_weights_problems(role)]
    except RoleLoadError as exc:
        problems = list(exc.problems)
    except OSError as exc:  # e.g. a folder without read permission: report it and check the other roles
        problems = [Problem("error", f"cannot read: {exc}", folder)]
    problems = [_strict(problem) for problem in problems]
    log.debug("checked role %s: %d problem(s)", folder.name, len(problems))
    return RoleCheck(folder.name, folder, problems)


def _classifier_problems(role: Role) -> list[Problem]:
    if role.bert_dir is None:
        return []
    try:
        BertEmotionClassifier(role.bert_dir, device="cpu").load()  # whether it loads; no GPU needed
    except ClassifierLoadError as exc:
        message = f"emotion classifier cannot be loaded ({exc.reason}); the built-in one is used instead"
        return [Problem("error", message, exc.folder)]
    return []


def _weights_problems(role: Role) -> list[Problem]:
    """The right kind of file under each key, a SoVITS version the engine runs, and one phoneme table."""
    from emotts.engines.gptsovits.checkpoints import CheckpointError, CheckpointSummary, inspect_checkpoint
    from emotts.engines.gptsovits.sovits import SUPPORTED

    problems: list[Problem] = []
    found: dict[str, CheckpointSummary] = {}
    for key, path in (("gpt", role.voice.gpt_path), ("sovits", role.voice.sovits_path)):
        if path is None or not path.is_file():  # a missing file is the loader's problem, reported already
            continue
        try:
            summary = inspect_checkpoint(path)
        except CheckpointError as exc:
            problems.append(Problem("error", f"`{key}` weights cannot be read: {exc.reason}", path))
            continue
        if summary.kind != key:
            problems.append(
                Problem("error", f"is a {summary.kind} file, but config.json names it as `{key}`", path)
            )
            continue
        found[key] = summary
    gpt, sovits = found.get("gpt"), found.get("sovits")
    if sovits is not None and (sovits.version not in SUPPORTED or sovits.lora_rank):
        kind = f"{sovits.version}{' LoRA' if sovits.lora_rank else ''}"
        problems.append(
            Problem(
                "warning",
                f"is a {kind} model; the gptsovits engine runs {', '.join(SUPPORTED)} models so far "
                "(the upstream engine can use it)",
                sovits.path,
            )
        )
    if gpt is not None and sovits is not None:
        sovits_table = "v1" if sovits.version == "v1" else "v2"
        if gpt.version != sovits_table:
            problems.append(
                Problem(
                    "error",
                    f"GPT {gpt.path.name} uses the {gpt.version} phoneme table but SoVITS {sovits.path.name} "
                    f"is a {sovits.version} model ({sovits_table} table): they were not trained together",
                    role.folder,
                )
            )
    return problems


def _strict(problem: Problem) -> Problem:
    return replace(problem, severity="error") if problem.code in _ERRORS_WHEN_CHECKING else problem

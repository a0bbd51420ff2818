"""`emotts roles check`: every problem of every role folder, judged by what GPT-SoVITS will accept.

The check is stricter than serving: clips GPT-SoVITS refuses for their length (code CLIP_DURATION) are
warnings on a served role, since the preview engine uses them, but errors here; and a role's BERT classifier
is loaded, which serving does only when the role first speaks, so a model that cannot load is an error here.
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
        problems = [*role.problems, *_classifier_problems(role)]
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


def _strict(problem: Problem) -> Problem:
    return replace(problem, severity="error") if problem.code in _ERRORS_WHEN_CHECKING else problem

"""The roles being served: every folder of the roles root, reloaded as a whole and swapped in atomically.

Each reload loads every role on its own, so one broken role never stops the others. A role that loaded
before and fails now (say, a config.json saved half-way) keeps serving its last good version, marked stale.
Readers get an immutable snapshot; `reload` may run on a watcher thread while requests read.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from types import MappingProxyType

from emotts.errors import RoleConfigError, UnknownRoleError
from emotts.roles.loader import load_role
from emotts.roles.model import Role

log = logging.getLogger(__name__)

Snapshot = Mapping[str, "RoleStatus"]


@dataclass(frozen=True)
class RoleStatus:
    name: str
    role: Role | None  # what is served: the fresh role, the last good one when stale, or None
    error: str | None = None  # why the latest load failed
    stale: bool = False  # the latest load failed and `role` is the version loaded before


@dataclass(frozen=True)
class ReloadReport:
    loaded: tuple[str, ...]  # roles loaded fresh
    failed: Mapping[str, str]  # role → error of its latest load (stale ones included)
    stale: tuple[str, ...]  # failed roles still served in their last good version
    removed: tuple[str, ...]  # roles served before whose folders are gone


class BrokenRoleError(UnknownRoleError):
    """The role's folder exists but has never loaded. The reason stays out of the message (it names server
    paths, and the message may reach HTTP clients); `error` holds it."""

    def __init__(self, name: str, valid: Iterable[str], error: str) -> None:
        super().__init__(name, valid)
        self.error = error
        listing = ", ".join(self.valid) or "(none)"
        self.args = (f"role {name!r} failed to load (see `emotts roles check`); valid roles: {listing}",)


def is_valid_role_name(name: str) -> bool:
    """A plain folder name: nothing that could lead out of the roles root, nothing hidden."""
    return (
        bool(name)
        and not name.startswith(".")  # also rules out "." and ".."
        and not any(char in name for char in "/\\\0")
        and not PureWindowsPath(name).drive  # "C:x" is drive-relative on Windows
    )


def role_folders(root: Path) -> list[Path]:
    """Sub-folders of `root` that can be roles, by name; hidden ones (.git) are skipped."""
    return [entry for entry in sorted(root.iterdir()) if entry.is_dir() and is_valid_role_name(entry.name)]


class RoleRegistry:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()  # guards the snapshot swap
        self._reload_lock = threading.Lock()  # one reload at a time, each building on the last
        self._snapshot: Snapshot = MappingProxyType({})

    def reload(self) -> ReloadReport:
        """Re-read every role folder. A missing root raises RoleConfigError and keeps the current roles."""
        with self._reload_lock:
            if not self.root.is_dir():
                raise RoleConfigError(f"roles folder {self.root} does not exist")
            before = self._current()
            snapshot = {
                folder.name: _load(folder, before.get(folder.name)) for folder in role_folders(self.root)
            }
            with self._lock:
                self._snapshot = MappingProxyType(snapshot)
        report = ReloadReport(
            loaded=tuple(name for name, status in snapshot.items() if status.error is None),
            failed={name: status.error for name, status in snapshot.items() if status.error is not None},
            stale=tuple(name for name, status in snapshot.items() if status.stale),
            removed=tuple(name for name in before if name not in snapshot),
        )
        _log_report(self.root, report, snapshot)
        return report

    def get(self, name: str) -> Role:
        """The served role `name`; UnknownRoleError (listing valid roles) for any other name."""
        snapshot = self._current()
        status = snapshot.get(name) if is_valid_role_name(name) else None
        valid = _servable(snapshot)
        if status is None:
            raise UnknownRoleError(name, valid)
        if status.role is None:
            raise BrokenRoleError(name, valid, status.error or "")
        return status.role

    def names(self) -> list[str]:
        """Names of the roles that can be used (stale ones included)."""
        return _servable(self._current())

    def roles(self) -> list[Role]:
        return [status.role for status in self._current().values() if status.role is not None]

    def status(self, name: str | None = None) -> list[RoleStatus]:
        """Every role folder's state, or just `name`'s (empty if there is no such folder)."""
        snapshot = self._current()
        if name is None:
            return list(snapshot.values())
        return [snapshot[name]] if name in snapshot else []

    def _current(self) -> Snapshot:
        with self._lock:
            return self._snapshot


def _servable(snapshot: Snapshot) -> list[str]:
    return [name for name, status in snapshot.items() if status.role is not None]


def _load(folder: Path, before: RoleStatus | None) -> RoleStatus:
    try:
        return RoleStatus(folder.name, load_role(folder))
    except RoleConfigError as exc:
        error = str(exc)
    except Exception as exc:  # a bug or an OS error in one role must not take the others down
        log.exception("unexpected error loading role %s", folder.name)
        error = f"unexpected error: {exc!r}"
    kept = before.role if before is not None else None
    return RoleStatus(folder.name, kept, error, stale=kept is not None)


def _log_report(root: Path, report: ReloadReport, snapshot: Snapshot) -> None:
    log.info(
        "loaded %d of %d role(s) from %s (%d failed, %d kept stale, %d removed)",
        len(report.loaded),
        len(snapshot),
        root,
        len(report.failed),
        len(report.stale),
        len(report.removed),
    )
    for name, error in report.failed.items():
        kept = "; still serving its last good version" if name in report.stale else ""
        log.warning("role %s failed to load%s: %s", name, kept, error)
    for name in report.loaded:
        role = snapshot[name].role
        if role is not None and role.problems:
            log.info("role %s has %d problem(s); see `emotts roles check`", name, len(role.problems))
    for name in report.removed:
        log.info("role %s removed (its folder is gone)", name)

"""Paths shown to clients are relative to the roles root, so responses never reveal the server's layout."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from emotts.errors import EmottsError


class ForbiddenPathError(EmottsError):
    """A request named a file outside the folders the server was started with (403)."""


class InvalidPathError(EmottsError):
    """A request named a path no file system accepts (400)."""


def confined_path(value: str, roots: Sequence[Path], what: str) -> Path:
    """The file a request names, which must lie under one of `roots` once links are resolved.

    A relative path is looked up under each root in turn (the first that exists wins), so clients can
    say `alice/ref.wav` for a clip in the roles folder.
    """
    if "\0" in value:
        raise InvalidPathError(f"{what} contains a NUL character")
    path = Path(value).expanduser()
    candidates = [path] if path.is_absolute() else [root / path for root in roots]
    inside = [c.resolve() for c in candidates if any(c.resolve().is_relative_to(r.resolve()) for r in roots)]
    if not inside:
        raise ForbiddenPathError(
            f"{what} {value} is outside the folders this server may read "
            "(the roles folder and the --models folders)"
        )
    return next((c for c in inside if c.exists()), inside[0])


def public_path(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def public_text(text: str, root: Path) -> str:
    """`text` (an error message, a classifier name) with the paths it names made relative to `root`."""
    for prefix in {root.absolute().as_posix(), root.resolve().as_posix()}:
        text = text.replace(f"{prefix}/", "")
    return text

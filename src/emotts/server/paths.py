"""Paths shown to clients are relative to the roles root, so responses never reveal the server's layout."""

from __future__ import annotations

from pathlib import Path


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

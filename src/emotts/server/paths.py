"""Paths shown to clients are relative to the roles root, so responses never reveal the server's layout."""

from __future__ import annotations

from pathlib import Path


def public_path(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name

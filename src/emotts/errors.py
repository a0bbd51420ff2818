"""Errors users can act on. Each message says what is wrong and what is valid instead."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


class EmottsError(Exception):
    """Base class: the message is safe to show to a user or an HTTP client."""


def _listing(valid: Iterable[str]) -> str:
    names = sorted(valid)
    return ", ".join(names) if names else "(none)"


class UnknownRoleError(EmottsError, LookupError):
    def __init__(self, name: str, valid: Iterable[str]) -> None:
        self.name = name
        self.valid = sorted(valid)
        super().__init__(f"unknown role {name!r}; valid roles: {_listing(self.valid)}")


class UnknownEmotionError(EmottsError, ValueError):
    def __init__(self, name: str, valid: Iterable[str]) -> None:
        self.name = name
        self.valid = list(valid)
        super().__init__(f"unknown emotion {name!r}; valid emotions: {', '.join(self.valid)}")


class UnknownLanguageError(EmottsError, ValueError):
    def __init__(self, name: str, valid: Iterable[str]) -> None:
        self.name = name
        self.valid = sorted(valid)
        super().__init__(f"unknown language {name!r}; valid languages: {_listing(self.valid)}")


class UnknownEngineError(EmottsError, ValueError):
    def __init__(self, name: str, valid: Iterable[str]) -> None:
        self.name = name
        self.valid = sorted(valid)
        super().__init__(f"unknown engine {name!r}; valid engines: {_listing(self.valid)}")


class RoleConfigError(EmottsError):
    """A role folder or its config.json is unusable; the message names the file (and line/column)."""


class AudioFileError(EmottsError):
    """An audio file is missing, unreadable or unsuitable; the message names its path."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class SynthesisError(EmottsError):
    """The engine could not synthesize the request."""

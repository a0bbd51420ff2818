"""Errors users can act on. Each message says what is wrong and what is valid instead."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


class EmottsError(Exception):
    """Base class: the message is safe to show to a user or an HTTP client."""


class UnknownChoiceError(EmottsError, ValueError):
    """A name that is not one of the valid choices; the message lists them."""

    kind = "value"
    keep_order = False  # emotions are listed in id order, everything else alphabetically

    def __init__(self, name: str, valid: Iterable[str]) -> None:
        self.name = name
        self.valid = list(valid) if self.keep_order else sorted(valid)
        listing = ", ".join(self.valid) if self.valid else "(none)"
        super().__init__(f"unknown {self.kind} {name!r}; valid {self.kind}s: {listing}")


class UnknownRoleError(UnknownChoiceError, LookupError):
    kind = "role"


class UnknownEmotionError(UnknownChoiceError):
    kind = "emotion"
    keep_order = True


class UnknownLanguageError(UnknownChoiceError):
    kind = "language"


class UnknownEngineError(UnknownChoiceError):
    kind = "engine"


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


class UpstreamError(SynthesisError):
    """The upstream GPT-SoVITS server is unreachable, refused a request or failed (the server answers 502)."""

"""Reading a role's `config.json`: JSON errors with line and column, one message per bad key, safe paths."""

from __future__ import annotations

import difflib
import json
import logging
import types
import typing
from collections.abc import Sequence
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from pydantic import ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from emotts.errors import RoleConfigError, UnknownLanguageError
from emotts.languages import normalize_language
from emotts.roles.model import Problem, RoleConfig

log = logging.getLogger(__name__)

# Keys naming files or folders of the role; each must stay inside the role folder.
PATH_KEYS: tuple[str, ...] = ("ref_audio", "gpt", "sovits", "BERTmodel", "multiREF")
_OPTIONAL_FILES = ("gpt", "sovits")  # "" means "no weights", as chat apps write it


class RoleLoadError(RoleConfigError):
    """A role cannot be loaded. The message lists the fatal problems; `problems` holds every problem found."""

    def __init__(self, fatal: Sequence[Problem], others: Sequence[Problem] = ()) -> None:
        self.problems: tuple[Problem, ...] = (*fatal, *others)
        super().__init__("\n".join(str(problem) for problem in fatal))


def load_role_config(path: Path) -> tuple[RoleConfig, list[Problem]]:
    """The validated config at `path` (languages normalized) and its warnings; raises RoleLoadError."""
    data, warnings = _read_object(path)
    update, errors = _vet_values(path, data)
    warnings += [_unknown_key(path, key) for key in data if key not in RoleConfig.model_fields]
    config: RoleConfig | None = None
    try:
        config = RoleConfig.model_validate({**data, **update}, strict=True)  # strict: "0.5" is a JSON typo
    except ValidationError as exc:
        errors += [_key_problem(path, error) for error in exc.errors()]
    if errors or config is None:
        raise RoleLoadError(errors, warnings)
    log.debug("read %s (%d warning(s))", path, len(warnings))
    return config, warnings


def role_path(folder: Path, value: str) -> Path:
    """`value` (a path-valued key) as a path in `folder`; raises ValueError when it may not be used.

    Backslashes count as separators so that configs written on Windows work unchanged.
    """
    posix = value.replace("\\", "/")
    if PurePosixPath(posix).is_absolute() or PureWindowsPath(value).drive:
        raise ValueError(f"must be a path relative to the role folder, got the absolute path {value!r}")
    path = folder / posix
    target = path.resolve()
    if not target.is_relative_to(folder.resolve()):
        raise ValueError(f"{value!r} resolves to {target}, outside the role folder {folder}")
    return path


def _fatal(path: Path, message: str) -> RoleLoadError:
    return RoleLoadError([Problem("error", message, path)])


def _read_object(path: Path) -> tuple[dict[str, Any], list[Problem]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")  # -sig: Windows editors often save a BOM
    except OSError as exc:
        raise _fatal(path, f"cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise _fatal(path, f"not UTF-8 text (bad byte at offset {exc.start})") from exc
    duplicates: list[str] = []

    def keep_last(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in pairs:
            if key in seen:
                duplicates.append(key)
            seen[key] = value
        return seen

    try:
        data = json.loads(text, object_pairs_hook=keep_last)
    except json.JSONDecodeError as exc:
        # No Problem.path here: the location is part of the message, as compilers print it.
        message = f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}"
        raise RoleLoadError([Problem("error", message)]) from exc
    if not isinstance(data, dict):
        kinds = {list: "an array", str: "a string", bool: "true/false", type(None): "null"}
        kind = kinds.get(type(data), "a number")
        raise _fatal(path, f"must be a JSON object {{...}}, got {kind}")
    warnings = [
        Problem("warning", f"key {key!r} is given twice; the last value is used", path) for key in duplicates
    ]
    return data, warnings


def _vet_values(path: Path, data: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """Normalize languages and vet path-valued keys (what types cannot say); pydantic judges non-strings."""
    update: dict[str, Any] = {}
    errors: list[Problem] = []
    strings = {key: value for key, value in data.items() if isinstance(value, str)}
    for key in ("ref_lang", "text_lang"):
        if key in strings:
            try:
                update[key] = normalize_language(strings[key])
            except UnknownLanguageError as exc:
                errors.append(Problem("error", f"key {key!r}: {exc}", path))
    if "ref_text" in strings and not strings["ref_text"].strip():
        errors.append(
            Problem("error", "key 'ref_text': must not be empty (the transcript of ref_audio)", path)
        )
    for key in PATH_KEYS:
        value = strings.get(key)
        if value is None:
            continue
        if not value.strip():
            if key in _OPTIONAL_FILES:
                update[key] = None
            else:
                errors.append(Problem("error", f"key {key!r}: must not be empty", path))
            continue
        try:
            role_path(path.parent, value)
        except ValueError as exc:
            errors.append(Problem("error", f"key {key!r}: {exc}", path))
    return update, errors


def _unknown_key(path: Path, key: str) -> Problem:
    known = {name.lower(): name for name in RoleConfig.model_fields}
    close = difflib.get_close_matches(key.lower(), list(known), n=1, cutoff=0.6)
    hint = f"; did you mean {known[close[0]]!r}?" if close else ""
    return Problem("warning", f"unknown key {key!r} is ignored{hint}", path)


def _key_problem(path: Path, error: ErrorDetails) -> Problem:
    """One pydantic error as `key 'x': must be ..., got ...`, phrased from the field's own type."""
    key = str(error["loc"][0]) if error["loc"] else "?"
    field = RoleConfig.model_fields.get(key)
    if error["type"] == "missing":
        return Problem("error", f"key {key!r}: missing (required)", path)
    expected = _expected(field) if field else error["msg"]
    got = json.dumps(error.get("input"), ensure_ascii=False)
    return Problem("error", f"key {key!r}: must be {expected}, got {got}", path)


def _expected(field: FieldInfo) -> str:
    annotation = field.annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        annotation = next(arg for arg in typing.get_args(annotation) if arg is not type(None))
    if typing.get_origin(annotation) is typing.Literal:
        return "one of " + ", ".join(repr(choice) for choice in typing.get_args(annotation))
    noun = {str: "a string", int: "a whole number", float: "a number"}.get(annotation, str(annotation))
    limits = {
        name: getattr(item, name)
        for item in field.metadata
        for name in ("gt", "ge", "lt", "le")
        if getattr(item, name, None) is not None
    }
    if "ge" in limits and "le" in limits:
        return f"{noun} between {limits['ge']:g} and {limits['le']:g}"
    words = {"gt": "greater than", "ge": "at least", "lt": "less than", "le": "at most"}
    phrases = [f"{words[name]} {value:g}" for name, value in limits.items()]
    return f"{noun} {' and '.join(phrases)}" if phrases else noun

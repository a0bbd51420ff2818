"""Role management: list roles, inspect one (clips, emotions covered, problems), reload from disk."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter

from emotts.emotion.labels import EMOTIONS
from emotts.engines.base import Reference
from emotts.errors import UnknownRoleError
from emotts.roles.model import Role
from emotts.roles.registry import RoleStatus
from emotts.server.paths import public_path
from emotts.server.schemas import ClipBody, ErrorBody, ProblemBody, RoleDetail, RolesResponse, RoleSummary
from emotts.server.state import ServerState, State

router = APIRouter(prefix="/roles", tags=["roles"])


def _clip(
    reference: Reference, emotion: str, group: str | None, duration: float | None, root: Path
) -> ClipBody:
    return ClipBody(
        emotion=emotion,
        group=group,
        path=public_path(reference.audio_path, root),
        text=reference.text,
        language=reference.language,
        duration=duration,
    )


def _summary(status: RoleStatus) -> RoleSummary:
    role = status.role
    return RoleSummary(
        name=status.name,
        ok=role is not None,
        stale=status.stale,
        error=status.error,
        engine=role.config.engine if role else None,
        emotions=role.emotions if role else [],
        clips=sum(len(clips) for clips in role.clips.values()) if role else 0,
        problems=len(role.problems) if role else 0,
    )


def _detail(status: RoleStatus, root: Path) -> RoleDetail:
    role: Role | None = status.role
    summary = _summary(status)
    if role is None:
        return RoleDetail(**summary.model_dump())
    return RoleDetail(
        **summary.model_dump(),
        config=role.config.model_dump(exclude_none=True),
        default_reference=_clip(role.default_reference, "default", None, None, root),
        missing_emotions=[emotion for emotion in EMOTIONS if emotion not in role.emotions],
        clip_list=[
            _clip(clip.reference, clip.emotion, clip.group, clip.duration, root)
            for clips in role.clips.values()
            for clip in clips
        ],
        problem_list=[
            ProblemBody(
                severity=problem.severity,
                message=problem.message,
                path=public_path(problem.path, root) if problem.path else None,
            )
            for problem in role.problems
        ],
    )


def _find(state: ServerState, name: str) -> RoleStatus:
    # Compared against the names the registry scanned; the request's name never touches the filesystem.
    statuses = state.registry.status()
    for status in statuses:
        if status.name == name:
            return status
    raise UnknownRoleError(name, [status.name for status in statuses])


@router.get("", response_model=RolesResponse)
async def list_roles(state: State) -> RolesResponse:
    return RolesResponse(roles=[_summary(status) for status in state.registry.status()])


@router.get("/{name}", response_model=RoleDetail, responses={404: {"model": ErrorBody}})
async def get_role(name: str, state: State) -> RoleDetail:
    return _detail(_find(state, name), state.registry.root)


@router.post("/reload", response_model=RolesResponse)
async def reload_roles(state: State) -> RolesResponse:
    """Re-read every role folder now (the server also does this by itself when files change)."""
    await state.pool.run(state.registry.reload)
    return RolesResponse(roles=[_summary(status) for status in state.registry.status()])

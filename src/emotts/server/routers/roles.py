"""Role management: list roles, inspect one (clips, emotions covered, problems), reload from disk."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from emotts.emotion.labels import EMOTIONS
from emotts.engines.base import Reference
from emotts.errors import UnknownRoleError
from emotts.pipeline import SpeechPipeline
from emotts.roles.model import Role
from emotts.roles.registry import RoleStatus
from emotts.server.paths import public_path, public_text
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


def _detail(status: RoleStatus, root: Path, pipeline: SpeechPipeline) -> RoleDetail:
    """Loads the role's BERT classifier if that was not tried yet, to say whether it works."""
    role: Role | None = status.role
    summary = _summary(status)
    if role is None:
        return RoleDetail(**summary.model_dump())
    error = pipeline.classifiers.failure(role)
    return RoleDetail(
        **summary.model_dump(),
        config=role.config.model_dump(exclude_none=True),
        classifier=public_text(pipeline.classifier_for(role).name, root),
        classifier_error=public_text(error, root) if error else None,
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
    # Off the event loop: the first look at a role may load its BERT classifier.
    return await run_in_threadpool(_detail, _find(state, name), state.registry.root, state.pipeline)


@router.post("/reload", response_model=RolesResponse)
async def reload_roles(state: State) -> RolesResponse:
    """Re-read every role folder now (the server also does this by itself when files change)."""
    await state.pool.run(state.registry.reload)
    return RolesResponse(roles=[_summary(status) for status in state.registry.status()])

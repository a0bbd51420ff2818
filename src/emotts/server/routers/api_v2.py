"""GPT-SoVITS api_v2's control routes: weight switching, the default reference clip and `/control`.

Paths must lie under the folders the server was started with. A weight switch replaces the server's default
voice in one step: requests already running keep the weights they started with.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Query, status
from fastapi.responses import JSONResponse

from emotts.audio.wavio import audio_info
from emotts.engines.base import Reference
from emotts.engines.gptsovits.checkpoints import inspect_checkpoint
from emotts.errors import EmottsError
from emotts.server.paths import ForbiddenPathError, confined_path, public_text
from emotts.server.schemas import ErrorBody, MessageBody
from emotts.server.state import ServerState, State

log = logging.getLogger(__name__)

router = APIRouter(tags=["api_v2"])

ERRORS: dict[int | str, dict] = {400: {"model": ErrorBody}, 403: {"model": ErrorBody}}
CONTROL_COMMANDS = ("restart", "exit")
Endpoint = Callable[..., Awaitable[JSONResponse]]


def get_and_post(path: str) -> Callable[[Endpoint], Endpoint]:
    """api_v2 answers these paths to GET and POST alike; one route per method keeps operation ids unique."""

    def register(endpoint: Endpoint) -> Endpoint:
        for method in ("GET", "POST"):
            router.add_api_route(
                path,
                endpoint,
                methods=[method],
                operation_id=f"{endpoint.__name__}_{method.lower()}",
                response_model=MessageBody,
                responses=ERRORS,
            )
        return endpoint

    return register


def _message(code: int, message: str, exception: str | None = None) -> JSONResponse:
    body = {"message": message} if exception is None else {"message": message, "Exception": exception}
    return JSONResponse(status_code=code, content=body)


def _failed(state: ServerState, message: str, exc: EmottsError) -> JSONResponse:
    code = status.HTTP_403_FORBIDDEN if isinstance(exc, ForbiddenPathError) else status.HTTP_400_BAD_REQUEST
    return _message(code, message, public_text(str(exc), state.settings.roles_dir))


def _switch(state: ServerState, kind: Literal["gpt", "sovits"], value: str | None) -> JSONResponse:
    if not value:
        return _message(status.HTTP_400_BAD_REQUEST, f"{kind} weight path is required")
    try:
        path = confined_path(value, state.roots, "weights_path")
        summary = inspect_checkpoint(path)
        if summary.kind != kind:
            raise EmottsError(f"{value} is a {summary.kind} file, not a {kind} one")
    except EmottsError as exc:
        code = (
            status.HTTP_403_FORBIDDEN if isinstance(exc, ForbiddenPathError) else status.HTTP_400_BAD_REQUEST
        )
        return _message(code, f"change {kind} weight failed", public_text(str(exc), state.settings.roles_dir))
    pipeline = state.pipeline
    with state.switch_lock:
        if kind == "gpt":
            pipeline.default_voice = replace(pipeline.default_voice, gpt_path=path)
        else:
            pipeline.default_voice = replace(pipeline.default_voice, sovits_path=path)
    log.info("default %s weights are now %s (%s)", kind, path.name, summary.version)
    return _message(status.HTTP_200_OK, "success")


@get_and_post("/set_gpt_weights")
async def set_gpt_weights(state: State, weights_path: str | None = None) -> JSONResponse:
    """Make `weights_path` (a GPT `.ckpt`) the default for requests and roles that name none."""
    return _switch(state, "gpt", weights_path)


@get_and_post("/set_sovits_weights")
async def set_sovits_weights(state: State, weights_path: str | None = None) -> JSONResponse:
    """Make `weights_path` (a SoVITS `.pth`) the default for requests and roles that name none."""
    return _switch(state, "sovits", weights_path)


@get_and_post("/set_refer_audio")
async def set_refer_audio(state: State, refer_audio_path: str | None = None) -> JSONResponse:
    """The clip `/tts` uses when a request names no `ref_audio_path` (unlike api_v2's, this one works)."""
    if not refer_audio_path:
        return _message(status.HTTP_400_BAD_REQUEST, "set refer audio failed", "refer_audio_path is required")
    try:
        path = confined_path(refer_audio_path, state.roots, "refer_audio_path")
        audio_info(path)
    except EmottsError as exc:
        code = (
            status.HTTP_403_FORBIDDEN if isinstance(exc, ForbiddenPathError) else status.HTTP_400_BAD_REQUEST
        )
        return _message(code, "set refer audio failed", public_text(str(exc), state.settings.roles_dir))
    state.default_reference = Reference(path, "", "auto")
    return _message(status.HTTP_200_OK, "success")


def _restart() -> None:
    log.warning("restarting on /control")
    os.execv(sys.executable, [sys.executable, *sys.argv])


def _exit() -> None:
    log.warning("exiting on /control")
    os.kill(os.getpid(), signal.SIGTERM)


@get_and_post("/control")
async def control(
    state: State, tasks: BackgroundTasks, command: Annotated[str | None, Query()] = None
) -> JSONResponse:
    """`restart` or `exit` the server; only when it was started with --allow-control."""
    if not state.settings.allow_control:
        return _message(
            status.HTTP_403_FORBIDDEN, "/control is disabled; start the server with --allow-control to use it"
        )
    if not command:
        return _message(status.HTTP_400_BAD_REQUEST, "command is required")
    if command not in CONTROL_COMMANDS:
        return _message(
            status.HTTP_400_BAD_REQUEST,
            f"command {command} is not supported; valid: {', '.join(CONTROL_COMMANDS)}",
        )
    tasks.add_task(_restart if command == "restart" else _exit)  # after the answer has been sent
    return _message(status.HTTP_200_OK, f"{command} requested")

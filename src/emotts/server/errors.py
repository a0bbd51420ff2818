"""Every error leaves as JSON `{"message", "detail"}` with a fitting status code and never a traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from emotts.audio.stream_encoders import FormatUnavailableError
from emotts.errors import (
    AudioFileError,
    EmottsError,
    UnknownEmotionError,
    UnknownEngineError,
    UnknownLanguageError,
    UnknownRoleError,
    UpstreamError,
)
from emotts.pipeline import EmptyTextError
from emotts.server.paths import ForbiddenPathError, InvalidPathError
from emotts.server.workers import QueueFullError

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 2


class RequestError(EmottsError):
    """A request the client must change (400); `detail` is machine-readable, e.g. the valid choices."""

    def __init__(self, message: str, detail: object = None) -> None:
        super().__init__(message)
        self.detail = detail


def error_response(status_code: int, message: str, detail: object = None, **headers: str) -> JSONResponse:
    return JSONResponse(
        status_code=status_code,
        content={"message": message, "detail": jsonable_encoder(detail)},
        headers=headers,
    )


def _status_of(exc: EmottsError) -> tuple[int, object]:
    match exc:
        case UnknownRoleError():
            return status.HTTP_404_NOT_FOUND, {"role": exc.name, "valid": exc.valid}
        case UnknownEmotionError() | UnknownLanguageError() | UnknownEngineError():
            return status.HTTP_400_BAD_REQUEST, {"value": exc.name, "valid": exc.valid}
        case RequestError():
            return status.HTTP_400_BAD_REQUEST, exc.detail
        case EmptyTextError() | InvalidPathError():
            return status.HTTP_400_BAD_REQUEST, None
        case FormatUnavailableError():
            return status.HTTP_400_BAD_REQUEST, {"media_type": exc.media_type}
        case ForbiddenPathError():
            return status.HTTP_403_FORBIDDEN, None
        case UpstreamError():
            return status.HTTP_502_BAD_GATEWAY, None
        case AudioFileError():
            return status.HTTP_500_INTERNAL_SERVER_ERROR, {"path": str(exc.path)}
        case _:
            return status.HTTP_500_INTERNAL_SERVER_ERROR, None


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(QueueFullError)
    async def _busy(_: Request, exc: QueueFullError) -> JSONResponse:
        return error_response(
            status.HTTP_503_SERVICE_UNAVAILABLE, str(exc), None, **{"Retry-After": str(RETRY_AFTER_SECONDS)}
        )

    @app.exception_handler(EmottsError)
    async def _known(request: Request, exc: EmottsError) -> JSONResponse:
        code, detail = _status_of(exc)
        if code >= 500:
            log.error("%s %s failed: %s", request.method, request.url.path, exc)
        return error_response(code, str(exc), detail)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = jsonable_encoder(exc.errors(), exclude={"url", "ctx"})
        fields = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:]) or 'body'}: {e['msg']}" for e in errors)
        return error_response(status.HTTP_422_UNPROCESSABLE_CONTENT, f"invalid request: {fields}", errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(exc.status_code, str(exc.detail), None, **(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error in %s %s", request.method, request.url.path)
        return error_response(
            status.HTTP_500_INTERNAL_SERVER_ERROR, "internal error; see the server log", type(exc).__name__
        )

"""OpenAI's speech API: `POST /v1/audio/speech`, `GET /v1/models`, `GET /v1/audio/voices`.

`voice` names a role; `instructions` that name an emotion ("sound sad", "用生气的语气说") set it for the whole
input, otherwise each sentence gets its own as on `/tts`. The body is streamed as sentences are synthesised
(`stream_format` "audio": the bytes of one file; "sse": base64 deltas). Errors use OpenAI's body
`{"error": {"message", "type", "param", "code"}}` so OpenAI clients raise their usual exceptions. Any API key
is accepted.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.routing import APIRoute

from emotts.audio.stream_encoders import (
    CONTENT_TYPES,
    FormatUnavailableError,
    check_format,
)
from emotts.emotion.labels import ALIASES, parse_emotion
from emotts.errors import EmottsError, UnknownChoiceError, UnknownRoleError
from emotts.pipeline import EmptyTextError, SpeechInput
from emotts.server.errors import RETRY_AFTER_SECONDS
from emotts.server.openai_schemas import (
    PCM_RATE,
    ModelInfo,
    ModelList,
    OpenAIErrorBody,
    SpeechAudioDelta,
    SpeechAudioDone,
    SpeechRequest,
    Usage,
    VoiceInfo,
    VoiceList,
)
from emotts.server.routers.tts import plan_headers
from emotts.server.state import ServerState, State
from emotts.server.streaming import Opened, audio_body, open_stream
from emotts.server.workers import QueueFullError

log = logging.getLogger(__name__)

MODELS = ("tts-1", "tts-1-hd", "gpt-4o-mini-tts", "emotts")
MEDIA_TYPES = {"mp3": "mp3", "opus": "opus", "aac": "aac", "flac": "flac", "wav": "wav", "pcm": "raw"}
PCM_CONTENT_TYPE = "audio/pcm"


class OpenAIError(Exception):
    def __init__(
        self, status_code: int, message: str, param: str | None = None, code: str | None = None
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.param = param
        self.code = code


def openai_error(
    status_code: int, message: str, param: str | None = None, code: str | None = None, **headers: str
) -> JSONResponse:
    kind = "invalid_request_error" if status_code < 500 else "server_error"
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return JSONResponse(status_code=status_code, content=body, headers=headers)


_VALIDATION_CODES = {
    "string_too_long": "string_above_max_length",
    "string_too_short": "string_below_min_length",
    "missing": "missing_required_parameter",
}


def _invalid(exc: RequestValidationError) -> JSONResponse:
    """Pydantic's first complaint as OpenAI's 400 (not FastAPI's 422), naming the top-level field."""
    errors = jsonable_encoder(exc.errors(), exclude={"url", "ctx", "input"})
    first = errors[0] if errors else {"loc": (), "msg": "invalid request", "type": ""}
    param = str(first["loc"][1]) if len(first["loc"]) > 1 else None
    message = f"{param}: {first['msg']}" if param else f"invalid request body: {first['msg']}"
    return openai_error(400, message, param, _VALIDATION_CODES.get(first["type"], "invalid_value"))


def _failed(request: Request, exc: EmottsError) -> JSONResponse:
    match exc:
        case QueueFullError():
            return openai_error(
                503, str(exc), None, "server_busy", **{"Retry-After": str(RETRY_AFTER_SECONDS)}
            )
        case UnknownRoleError():
            return openai_error(400, f"voice: {exc}", "voice", "invalid_value")
        case FormatUnavailableError():
            return openai_error(400, str(exc), "response_format", "unsupported_format")
        case UnknownChoiceError():  # emotion, language
            return openai_error(400, str(exc), None, "invalid_value")
        case EmptyTextError():
            return openai_error(400, str(exc), "input", "invalid_value")
    log.error("%s %s failed: %s", request.method, request.url.path, exc)
    return openai_error(500, str(exc))


class OpenAIRoute(APIRoute):
    """Answers every error of its routes in OpenAI's shape (the app's handlers use emotts' own)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except OpenAIError as exc:
                return openai_error(exc.status_code, str(exc), exc.param, exc.code)
            except RequestValidationError as exc:
                return _invalid(exc)
            except EmottsError as exc:
                return _failed(request, exc)
            except Exception:
                log.exception("unexpected error in %s %s", request.method, request.url.path)
                return openai_error(500, "internal error; see the server log")

        return handle


router = APIRouter(prefix="/v1", tags=["OpenAI"], route_class=OpenAIRoute)
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": OpenAIErrorBody},
    404: {"model": OpenAIErrorBody},
    503: {"model": OpenAIErrorBody, "description": "busy; retry after the Retry-After seconds"},
}

# Instruction words that are emotion aliases but usually mean something else ("normal speed", "the content").
_AMBIGUOUS = frozenset(
    {"content", "default", "normal", "none", "plain", "question", "think", "thinking", "hurt"}
)
_NOT_EMOTIONS = ("普通话",)  # Mandarin, not "普通" (plain)
_NEGATIONS = frozenset({"not", "no", "never", "without", "don't", "dont", "isn't", "less"})
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_CJK_ALIASES = sorted((alias for alias in ALIASES if not alias.isascii() and len(alias) >= 2), key=len)[::-1]


def _english_label(word: str) -> str | None:
    """The label of `word` or of its adverb/noun stem: angrily → angry, sadly → sad, cheerfully → cheerful."""
    stems = [word]
    if word.endswith("ily"):
        stems.append(word[:-3] + "y")
    if word.endswith("ly"):
        stems.append(word[:-2])
    if word.endswith("ness"):
        stems.append(word[:-4])
    return next((ALIASES[stem] for stem in stems if stem not in _AMBIGUOUS and stem in ALIASES), None)


def emotion_from_instructions(instructions: str | None) -> str | None:
    """The emotion label that free-text style instructions name first, or None when they name none.

    An emotion name alone ("angry", "生气", "3") is taken as it is; in a sentence, English words (and their
    -ly/-ness forms) and Chinese aliases of two characters or more count, unless negated just before ("don't
    sound angry", "别生气").
    """
    if not instructions or not instructions.strip():
        return None
    if (whole := parse_emotion(instructions)) is not None:
        return whole
    text = instructions.lower()
    for phrase in _NOT_EMOTIONS:
        text = text.replace(phrase, " " * len(phrase))
    found: list[tuple[int, str]] = []
    words = list(_WORD.finditer(text))
    for index, match in enumerate(words):
        label = _english_label(match.group())
        negated = any(word.group() in _NEGATIONS for word in words[max(0, index - 2) : index])
        if label is not None and not negated:
            found.append((match.start(), label))
    taken = [False] * len(text)
    for alias in _CJK_ALIASES:  # longest first, so 不好意思 wins over its parts
        for match in re.finditer(re.escape(alias), text):
            start, end = match.span()
            if any(taken[start:end]) or any(char in "不别没勿莫" for char in text[max(0, start - 2) : start]):
                continue
            taken[start:end] = [True] * (end - start)
            found.append((start, ALIASES[alias]))
    return min(found)[1] if found else None


def _check_input(text: str, state: ServerState) -> str:
    if not text.strip():
        raise OpenAIError(400, "input is empty", "input", "invalid_value")
    limit = state.settings.max_text_length  # the server's own limit, when lower than OpenAI's
    if len(text) > limit:
        raise OpenAIError(
            400,
            f"input is {len(text)} characters long; this server's limit is {limit}",
            "input",
            "string_above_max_length",
        )
    return text


def _sse(event: SpeechAudioDelta | SpeechAudioDone | dict[str, Any]) -> bytes:
    payload = event if isinstance(event, dict) else event.model_dump()
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()


async def _sse_body(pieces: AsyncIterator[Opened | bytes], usage: Usage) -> AsyncIterator[bytes]:
    try:
        async for piece in pieces:
            if isinstance(piece, bytes):
                yield _sse(SpeechAudioDelta(audio=base64.b64encode(piece).decode("ascii")))
    except EmottsError as exc:
        log.error("/v1/audio/speech failed while streaming events: %s", exc)
        yield _sse({"type": "error", "error": {"message": str(exc), "type": "server_error"}})
        return
    yield _sse(SpeechAudioDone(usage=usage))


@router.post(
    "/audio/speech",
    response_class=Response,
    responses={
        200: {
            "content": {
                **{media: {} for media in CONTENT_TYPES.values()},
                PCM_CONTENT_TYPE: {},
                "text/event-stream": {},
            },
            "description": "the speech, streamed as it is synthesised",
        },
        **ERRORS,
    },
)
async def create_speech(body: SpeechRequest, state: State) -> Response:
    """Speak `input` with the role named by `voice`; X-Emotion lists the emotion of each sentence."""
    media_type = MEDIA_TYPES[body.response_format]
    check_format(media_type)
    request = SpeechInput(
        text=_check_input(body.input, state),
        role=body.role,
        emotion=body.emotion or emotion_from_instructions(body.instructions),
        language=body.text_lang,
        speed=body.speed,
    )
    plan = await state.pool.run(state.pipeline.plan, request)
    output_rate = PCM_RATE if body.response_format == "pcm" else None
    rate, pieces = await open_stream(state, plan, media_type, output_rate)
    headers = {**plan_headers(plan, state.registry.root), "X-Sample-Rate": str(rate)}
    if body.stream_format == "sse":
        usage = Usage(input_tokens=len(body.input), total_tokens=len(body.input))
        return StreamingResponse(_sse_body(pieces, usage), media_type="text/event-stream", headers=headers)
    content_type = PCM_CONTENT_TYPE if body.response_format == "pcm" else CONTENT_TYPES[media_type]
    return StreamingResponse(audio_body(pieces, "/v1/audio/speech"), media_type=content_type, headers=headers)


@router.get("/models", response_model=ModelList)
async def list_models() -> ModelList:
    """The model names OpenAI clients send; all of them mean emotts."""
    return ModelList(data=[ModelInfo(id=name) for name in MODELS])


@router.get("/models/{model_id}", response_model=ModelInfo, responses=ERRORS)
async def get_model(model_id: str) -> ModelInfo:
    if model_id not in MODELS:
        raise OpenAIError(
            status.HTTP_404_NOT_FOUND,
            f"the model {model_id!r} does not exist; models: {', '.join(MODELS)}",
            "model",
            "model_not_found",
        )
    return ModelInfo(id=model_id)


@router.get("/audio/voices", response_model=VoiceList)
async def list_voices(state: State) -> VoiceList:
    """The roles, usable as `voice`."""
    roles = sorted(state.registry.roles(), key=lambda role: role.name)
    return VoiceList(
        data=[VoiceInfo(id=role.name, name=role.name, emotions=list(role.emotions)) for role in roles],
        voices=[role.name for role in roles],
    )

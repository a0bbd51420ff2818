"""The chat-app role contract: `POST /tts {"text", "role", "temperature"}` → WAV, and `GET /running`."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Response, status

from emotts import __version__
from emotts.audio.encode import CONTENT_TYPES, encode
from emotts.pipeline import Speech, SpeechInput
from emotts.server.errors import RequestError
from emotts.server.paths import public_path
from emotts.server.schemas import ErrorBody, RoleTTSRequest, RunningResponse
from emotts.server.state import ServerState, State

router = APIRouter(tags=["role contract"])


def _header(values: list[str]) -> str:
    """Comma-separated, each value percent-encoded so non-ASCII labels and paths survive HTTP/1.1 headers."""
    return ",".join(quote(value, safe="") for value in values)


def speech_headers(speech: Speech, roles_root: Path) -> dict[str, str]:
    """X-Emotion, X-Emotion-Source and X-Reference per sentence, so clients can see every decision."""
    sentences = [(sentence, part) for part in speech.plan.parts for sentence in part.sentences]
    return {
        "X-Role": quote(speech.plan.role.name, safe=""),
        "X-Emotion": _header([sentence.emotion for sentence, _ in sentences]),
        "X-Emotion-Source": _header([str(sentence.source) for sentence, _ in sentences]),
        "X-Reference": _header(
            [public_path(part.choice.reference.audio_path, roles_root) for _, part in sentences]
        ),
        "X-Sample-Rate": str(speech.sample_rate),
        "X-Audio-Duration": f"{speech.duration:.3f}",
    }


def check_text(text: str, state: ServerState) -> str:
    if not text.strip():
        raise RequestError("text is empty")
    limit = state.settings.max_text_length
    if len(text) > limit:
        raise RequestError(f"text is {len(text)} characters long; the limit is {limit}")
    return text


@router.post(
    "/tts",
    response_class=Response,
    responses={
        200: {"content": {"audio/wav": {}, "audio/raw": {}}, "description": "the speech"},
        400: {"model": ErrorBody},
        404: {"model": ErrorBody, "description": "unknown role"},
        422: {"model": ErrorBody},
        503: {"model": ErrorBody, "description": "busy; retry after the Retry-After seconds"},
    },
)
async def tts(body: RoleTTSRequest, state: State) -> Response:
    """Speak `text` with `role`'s voice and the emotion that fits each sentence."""
    request = SpeechInput(
        text=check_text(body.text, state),
        role=body.role,
        emotion=body.emotion,
        language=body.text_lang,
        emotion_mode=body.emotion_mode,
        temperature=body.temperature,
        top_k=body.top_k,
        top_p=body.top_p,
        repetition_penalty=body.repetition_penalty,
        speed=body.speed,
        seed=body.seed,
    )
    speech = await state.pool.run(state.pipeline.speak, request)
    return Response(
        content=encode(speech.samples, speech.sample_rate, body.media_type),
        status_code=status.HTTP_200_OK,
        media_type=CONTENT_TYPES[body.media_type],
        headers=speech_headers(speech, state.registry.root),
    )


@router.get("/running", response_model=RunningResponse)
async def running(state: State) -> RunningResponse:
    """Health check; answers at once even while syntheses run."""
    return RunningResponse(
        version=__version__,
        engine=state.settings.engine,
        roles=len(state.registry.names()),
        running=state.pool.running,
        waiting=state.pool.waiting,
    )

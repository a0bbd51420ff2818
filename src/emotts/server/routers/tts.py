"""`/tts`: the chat-app role contract and GPT-SoVITS api_v2 on one route, and `GET /running`.

`POST /tts {"text", "role", "temperature"}` speaks with a role's emotional clips; the api_v2 form (`GET` with
query parameters or `POST` with its JSON body: `text_lang`, `ref_audio_path`, `prompt_text`…) speaks with an
explicit reference. Validation follows api_v2's order and messages, with its bugs fixed: a missing language is
a 400, languages are case-insensitive, and a failed synthesis is a JSON error, never a second of silence.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import StreamingResponse

from emotts import __version__
from emotts.audio.stream_encoders import CONTENT_TYPES, check_format, encode_complete
from emotts.engines.base import Reference
from emotts.errors import UnknownLanguageError
from emotts.languages import normalize_language
from emotts.pipeline import Speech, SpeechInput, SpeechPlan
from emotts.server.errors import RequestError
from emotts.server.paths import confined_path, public_path
from emotts.server.schemas import ErrorBody, RunningResponse, TTSRequest
from emotts.server.state import ServerState, State
from emotts.server.streaming import audio_body, open_stream

router = APIRouter(tags=["tts"])

SPLIT_METHODS = ("cut0", "cut1", "cut2", "cut3", "cut4", "cut5")
API_V2_SPLIT_METHOD = "cut5"  # api_v2's default; role requests are split into sentences already
RESPONSES: dict[int | str, dict] = {
    200: {"content": {media: {} for media in CONTENT_TYPES.values()}, "description": "the speech"},
    400: {"model": ErrorBody},
    403: {"model": ErrorBody, "description": "a path outside the allowed folders"},
    404: {"model": ErrorBody, "description": "unknown role"},
    422: {"model": ErrorBody},
    503: {"model": ErrorBody, "description": "busy; retry after the Retry-After seconds"},
}


def _header(values: list[str]) -> str:
    """Comma-separated, each value percent-encoded so non-ASCII labels and paths survive HTTP/1.1 headers."""
    return ",".join(quote(value, safe="") for value in values)


def plan_headers(plan: SpeechPlan, roles_root: Path) -> dict[str, str]:
    """X-Emotion, X-Emotion-Source and X-Reference per sentence, so clients can see every decision."""
    sentences = [(sentence, part) for part in plan.parts for sentence in part.sentences]
    return {
        "X-Role": quote(plan.role.name, safe=""),
        "X-Emotion": _header([sentence.emotion for sentence, _ in sentences]),
        "X-Emotion-Source": _header([str(sentence.source) for sentence, _ in sentences]),
        "X-Reference": _header(
            [public_path(part.choice.reference.audio_path, roles_root) for _, part in sentences]
        ),
    }


def speech_headers(speech: Speech, roles_root: Path) -> dict[str, str]:
    return {
        **plan_headers(speech.plan, roles_root),
        "X-Sample-Rate": str(speech.sample_rate),
        "X-Audio-Duration": f"{speech.duration:.3f}",
    }


def check_text(text: str | None, state: ServerState) -> str:
    if text is None or not text.strip():
        raise RequestError("text is required")
    limit = state.settings.max_text_length
    if len(text) > limit:
        raise RequestError(f"text is {len(text)} characters long; the limit is {limit}")
    return text


def _language(field: str, value: str | None, required: bool) -> str | None:
    if value is None:
        if required:
            raise RequestError(f"{field} is required")
        return None
    try:
        return normalize_language(value)
    except UnknownLanguageError as exc:
        raise RequestError(
            f"{field}: {value} is not supported; valid: {', '.join(exc.valid)}",
            {"value": value, "valid": exc.valid},
        ) from None


def _clip_paths(body: TTSRequest, state: ServerState) -> tuple[Path, tuple[Path, ...]] | None:
    """The explicit reference clip (and aux clips) of a request; None: the role's emotional clips."""
    if body.ref_audio_path is None:
        if body.role is None and state.default_reference is not None:  # set by /set_refer_audio
            return state.default_reference.audio_path, state.default_reference.aux_audio_paths
        if body.role is None:
            raise RequestError("ref_audio_path is required")
        return None
    paths = []
    for field, value in [("ref_audio_path", body.ref_audio_path)] + [
        ("aux_ref_audio_paths", v) for v in body.aux_ref_audio_paths or []
    ]:
        path = confined_path(value, state.roots, field)
        if not path.is_file():
            raise RequestError(f"{field}: {value} does not exist")
        paths.append(path)
    return paths[0], tuple(paths[1:])


def speech_input(body: TTSRequest, state: ServerState) -> SpeechInput:
    """Validate in api_v2's order (reference, text, languages, media type, split method, streaming)."""
    clips = _clip_paths(body, state)
    text = check_text(body.text, state)
    language = _language("text_lang", body.text_lang, required=body.role is None)
    reference = None
    if clips is not None:
        prompt_lang = _language("prompt_lang", body.prompt_lang, required=body.role is None) or "auto"
        reference = Reference(clips[0], (body.prompt_text or "").strip(), prompt_lang, clips[1])
    if body.media_type not in CONTENT_TYPES:
        valid = ", ".join(CONTENT_TYPES)
        raise RequestError(f"media_type: {body.media_type} is not supported; valid: {valid}")
    check_format(body.media_type)  # a format whose optional package is missing fails before synthesis
    split = body.text_split_method or (API_V2_SPLIT_METHOD if body.role is None else None)
    if split is not None and split not in SPLIT_METHODS:
        raise RequestError(f"text_split_method:{split} is not supported; valid: {', '.join(SPLIT_METHODS)}")
    mode = int(body.streaming_mode)
    if mode not in (0, 1, 2, 3):
        raise RequestError("the value of streaming_mode must be 0, 1, 2, 3(int) or true/false(bool)")
    return SpeechInput(
        text=text,
        role=body.role,
        emotion=body.emotion,
        language=language,
        emotion_mode=body.emotion_mode,
        reference=reference,
        temperature=body.temperature,
        top_k=body.top_k,
        top_p=body.top_p,
        repetition_penalty=body.repetition_penalty,
        speed=body.speed_factor or body.speed,
        seed=None if body.seed is None or body.seed < 0 else body.seed,
        split_method=split,
        batch_size=body.batch_size,
        parallel=body.parallel_infer,
        fragment_interval=body.fragment_interval,
        sample_steps=body.sample_steps,
        streaming_mode=mode,  # type: ignore[arg-type]
        chunk_tokens=body.min_chunk_length,
        overlap_tokens=body.overlap_length,
    )


async def speak(body: TTSRequest, state: ServerState) -> Response:
    request = speech_input(body, state)
    pipeline = state.pipeline
    if not request.streaming_mode:
        speech = await state.pool.run(pipeline.speak, request)
        return Response(
            content=encode_complete(
                speech.samples, speech.sample_rate, body.media_type, output_rate=body.sample_rate
            ),
            status_code=status.HTTP_200_OK,
            media_type=CONTENT_TYPES[body.media_type],
            headers={
                **speech_headers(speech, state.registry.root),
                "X-Sample-Rate": str(body.sample_rate or speech.sample_rate),
            },
        )
    plan = await state.pool.run(pipeline.plan, request)
    rate, pieces = await open_stream(state, plan, body.media_type, body.sample_rate)
    return StreamingResponse(
        audio_body(pieces, "/tts"),
        media_type=CONTENT_TYPES[body.media_type],
        headers={**plan_headers(plan, state.registry.root), "X-Sample-Rate": str(rate)},
    )


@router.post("/tts", response_class=Response, responses=RESPONSES)
async def tts_post(body: TTSRequest, state: State) -> Response:
    """Speak `text`: with `role`'s voice and the emotion of each sentence, or api_v2-style with a clip."""
    return await speak(body, state)


@router.get("/tts", response_class=Response, responses=RESPONSES)
async def tts_get(query: Annotated[TTSRequest, Query()], state: State) -> Response:
    """api_v2's GET form: the same fields as query parameters."""
    return await speak(query, state)


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

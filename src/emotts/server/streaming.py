"""Speech streamed to HTTP clients: synthesised and encoded chunk by chunk in a worker, sent as it comes.

The response starts only once the first audio is encoded, so a request that fails before any audio still
gets a proper error status and body; after that, cutting the body short is the only signal left.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

from emotts.audio.stream_encoders import Encoder, open_encoder
from emotts.errors import EmottsError
from emotts.pipeline import EmptyTextError, SpeechPipeline, SpeechPlan
from emotts.server.state import ServerState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Opened:
    """The first item of a speech stream: the encoder is ready and audio is coming."""

    sample_rate: int


def encoded_speech(
    pipeline: SpeechPipeline, plan: SpeechPlan, media_type: str, output_rate: int | None
) -> Iterator[Opened | bytes]:
    """Runs in a worker: synthesise part by part and encode each chunk as it comes."""
    encoder: Encoder | None = None
    try:
        for chunk in pipeline.render(plan):
            if encoder is None:
                encoder = open_encoder(media_type, chunk.sample_rate, output_rate=output_rate)
                data = encoder.encode(chunk.samples)
                yield Opened(encoder.sample_rate)
            else:
                data = encoder.encode(chunk.samples)
            if data:
                yield data
        if encoder is None:
            raise EmptyTextError("the engine produced no audio for this text")
        if tail := encoder.finish():
            yield tail
    finally:
        if encoder is not None:
            encoder.close()


async def open_stream(
    state: ServerState, plan: SpeechPlan, media_type: str, output_rate: int | None
) -> tuple[int, AsyncIterator[Opened | bytes]]:
    """Start synthesising `plan` in the worker pool; returns the output rate once audio is coming."""
    pieces = state.pool.stream(lambda: encoded_speech(state.pipeline, plan, media_type, output_rate))
    try:
        opened = await anext(pieces)  # errors before the first audio still get an error body
    except BaseException:
        await pieces.aclose()
        raise
    assert isinstance(opened, Opened)
    return opened.sample_rate, pieces


async def audio_body(pieces: AsyncIterator[Opened | bytes], path: str) -> AsyncIterator[bytes]:
    try:
        async for piece in pieces:
            if isinstance(piece, bytes):
                yield piece
    except EmottsError as exc:
        log.error("%s failed while streaming: %s", path, exc)
        raise

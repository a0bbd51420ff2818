"""The upstream engine: emotts picks role, emotion and clip; an official GPT-SoVITS api_v2 server speaks.

For people who already run `api_v2.py` (often on a GPU box or in docker). Each text segment is one
`POST /tts`; the upstream's weights are switched with `/set_gpt_weights` / `/set_sovits_weights` only when a
role needs other weights than the ones last set. api_v2 shares one model between all requests, so calls to
one upstream are serialized, switch and synthesis together.
"""

from __future__ import annotations

import logging
import struct
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx
import numpy as np

from emotts.engines.base import AudioChunk, Reference, SynthesisRequest, VoiceModel
from emotts.errors import EmottsError, UnknownLanguageError, UpstreamError
from emotts.languages import LANGUAGES, normalize_language
from emotts.settings import Settings

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 10.0  # seconds; an unreachable upstream should fail fast even with a long read timeout
FAILURE_RATE = 16000  # api_v2 answers a failed inference with 200 and one second of silence at 16 kHz
WeightKind = Literal["gpt", "sovits"]


@dataclass(frozen=True)
class PathMapping:
    """Files under `local` are seen by the upstream under `remote` (e.g. a docker volume)."""

    local: Path
    remote: str

    @classmethod
    def parse(cls, entry: str) -> PathMapping:
        local, sep, remote = entry.partition("=")
        if not sep or not local.strip() or not remote.strip():
            raise EmottsError(f"upstream path map entry {entry!r} is not LOCAL=REMOTE")
        return cls(Path(local.strip()).expanduser().absolute(), remote.strip())

    def apply(self, path: Path) -> str | None:
        """`path` as the upstream sees it, or None when it is not under `local`."""
        for candidate, prefix in ((path.absolute(), self.local), (path.resolve(), self.local.resolve())):
            if candidate.is_relative_to(prefix):
                rest = candidate.relative_to(prefix).as_posix()
                # the remote side may be another OS: join by hand rather than with this machine's Path
                return self.remote if rest == "." else f"{self.remote.rstrip('/')}/{rest}"
        return None


def remote_path(path: Path, mappings: Sequence[PathMapping]) -> str:
    """The path to send: the first (longest-prefix) mapping that applies, else the absolute local path."""
    for mapping in sorted(mappings, key=lambda m: len(m.local.parts), reverse=True):
        mapped = mapping.apply(path)
        if mapped is not None:
            return mapped
    return path.absolute().as_posix()


class WavReader:
    """Incremental 16-bit PCM WAV parser: header first (sizes ignored, as streamed headers lie), then PCM."""

    def __init__(self) -> None:
        self._buffer = b""
        self.sample_rate: int | None = None
        self.channels = 1
        self._in_data = False

    def feed(self, data: bytes) -> np.ndarray:
        """The mono int16 samples that `data` completes (possibly none)."""
        self._buffer += data
        if not self._in_data and not self._parse_header():
            return np.zeros(0, dtype=np.int16)
        frame = 2 * self.channels
        usable = len(self._buffer) - len(self._buffer) % frame
        pcm, self._buffer = self._buffer[:usable], self._buffer[usable:]
        samples = np.frombuffer(pcm, dtype="<i2")
        if self.channels > 1:
            samples = samples.reshape(-1, self.channels).mean(axis=1).round().astype(np.int16)
        return samples.astype(np.int16, copy=False)

    def _parse_header(self) -> bool:
        """Consume chunks up to `data`; False while more bytes are needed."""
        if len(self._buffer) < 12:
            return False
        if self._buffer[:4] != b"RIFF" or self._buffer[8:12] != b"WAVE":
            raise UpstreamError("the upstream answered something that is not a WAV file")
        offset = 12
        while len(self._buffer) >= offset + 8:
            chunk_id = self._buffer[offset : offset + 4]
            size = struct.unpack_from("<I", self._buffer, offset + 4)[0]
            if chunk_id == b"data":
                if self.sample_rate is None:
                    raise UpstreamError("the upstream's WAV has no fmt chunk")
                self._buffer = self._buffer[offset + 8 :]
                self._in_data = True
                return True
            if len(self._buffer) < offset + 8 + size:
                return False
            if chunk_id == b"fmt ":
                tag, channels, rate = struct.unpack_from("<HHI", self._buffer, offset + 8)
                bits = struct.unpack_from("<H", self._buffer, offset + 22)[0]
                if tag not in (1, 0xFFFE) or bits != 16:
                    raise UpstreamError(f"the upstream's WAV is not 16-bit PCM (format {tag}, {bits} bits)")
                self.sample_rate, self.channels = rate, max(channels, 1)
            offset += 8 + size + size % 2  # chunks are padded to even sizes
        return False


class _SilenceCheck:
    """Holds audio back while it could still be api_v2's failure answer: exactly 1 s of 16 kHz zeros."""

    def __init__(self, rate: int) -> None:
        self.suspect = rate == FAILURE_RATE
        self._count = 0

    def clear(self, samples: np.ndarray) -> bool:
        """True once the audio seen so far (with `samples`) can no longer be the failure answer."""
        if self.suspect:
            self._count += len(samples)
            self.suspect = self._count <= FAILURE_RATE and not samples.any()
        return not self.suspect

    def failed(self) -> bool:
        """At the end of a segment: was it the failure answer?"""
        return self.suspect and self._count == FAILURE_RATE


def _error_text(response: httpx.Response) -> str:
    """api_v2's `{"message", "Exception"}` (emotts': `{"message", "detail"}`), else the start of the body."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and "message" in body:
        extra = body.get("Exception") or body.get("detail")
        return f"{body['message']}: {extra}" if extra else str(body["message"])
    return response.text.strip()[:300] or response.reason_phrase


def _language(code: str) -> str:
    try:
        return normalize_language(code)
    except UnknownLanguageError:
        return code  # the upstream decides what it supports


class UpstreamEngine:
    """Engine protocol implementation that forwards to a GPT-SoVITS api_v2 server."""

    name = "upstream"
    languages = LANGUAGES  # the upstream checks against its loaded model's version

    def __init__(
        self,
        url: str,
        path_map: Iterable[str] = (),
        timeout: float = 300.0,
        default_voice: VoiceModel | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.mappings = [PathMapping.parse(entry) for entry in path_map]
        self.default_voice = default_voice or VoiceModel()
        self._client = httpx.Client(
            base_url=self.url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT)),
            transport=transport,
        )
        self._lock = threading.Lock()  # api_v2 is not safe for concurrent requests
        self._weights: dict[WeightKind, str | None] = {"gpt": None, "sovits": None}  # None: unknown

    @classmethod
    def from_settings(cls, settings: Settings) -> UpstreamEngine:
        if not settings.upstream_url:
            raise EmottsError(
                "the upstream engine needs the URL of a GPT-SoVITS api_v2 server: pass --upstream URL "
                "or set EMOTTS_UPSTREAM_URL"
            )
        return cls(
            settings.upstream_url,
            settings.upstream_path_map,
            settings.upstream_timeout,
            VoiceModel(settings.gpt, settings.sovits),
        )

    def synthesize(self, request: SynthesisRequest) -> Iterator[AudioChunk]:
        segments = [text for text in request.segments if text.strip()]
        if not segments:
            return
        with self._lock:
            self._use_weights(request.voice)
            for text in segments:
                yield from self._speak(text, request)

    def close(self) -> None:
        self._client.close()

    def remote(self, path: Path) -> str:
        return remote_path(path, self.mappings)

    # weights

    def _use_weights(self, voice: VoiceModel) -> None:
        wanted: dict[WeightKind, Path | None] = {
            "gpt": voice.gpt_path or self.default_voice.gpt_path,
            "sovits": voice.sovits_path or self.default_voice.sovits_path,
        }
        for kind, path in wanted.items():
            if path is None:  # no weights named anywhere: speak with whatever the upstream has loaded
                continue
            remote = self.remote(path)
            if self._weights[kind] == remote:
                continue
            self._weights[kind] = None  # unknown until the switch has succeeded
            response = self._call("GET", f"/set_{kind}_weights", params={"weights_path": remote})
            if response.status_code != 200:
                reason = _error_text(response)
                raise UpstreamError(f"upstream {self.url} could not load {kind} weights {remote}: {reason}")
            self._weights[kind] = remote
            log.info("upstream %s now has %s weights %s", self.url, kind, remote)

    # synthesis

    def _body(self, text: str, request: SynthesisRequest) -> dict[str, Any]:
        reference: Reference = request.reference
        params = request.params
        mode = params.streaming_mode
        return {
            "text": text,
            "text_lang": request.language,
            "ref_audio_path": self.remote(reference.audio_path),
            "aux_ref_audio_paths": [self.remote(path) for path in reference.aux_audio_paths],
            "prompt_text": reference.text,
            "prompt_lang": _language(reference.language),
            "top_k": params.top_k,
            "top_p": params.top_p,
            "temperature": params.temperature,
            "repetition_penalty": params.repetition_penalty,
            "text_split_method": params.split_method,
            "batch_size": params.batch_size,
            "speed_factor": params.speed,
            "fragment_interval": params.fragment_interval,
            "seed": -1 if params.seed is None else params.seed,
            "parallel_infer": params.parallel,
            "sample_steps": params.sample_steps,
            "min_chunk_length": params.chunk_tokens,
            "overlap_length": params.overlap_tokens,
            "media_type": "wav",  # unlike raw, the header carries the sample rate
            "streaming_mode": bool(mode) if mode <= 1 else mode,
        }

    def _speak(self, text: str, request: SynthesisRequest) -> Iterator[AudioChunk]:
        """One segment: one chunk, or (streaming) chunks as they arrive; the last has `segment_end`."""
        streaming = request.params.streaming_mode > 0
        reader = WavReader()
        check: _SilenceCheck | None = None
        held: list[np.ndarray] = []  # audio not yet yielded: the last piece (for segment_end) or a suspect
        try:
            with self._client.stream("POST", "/tts", json=self._body(text, request)) as response:
                if response.status_code != 200:
                    response.read()
                    raise UpstreamError(
                        f"upstream {self.url} answered {response.status_code}: {_error_text(response)}"
                    )
                for data in response.iter_bytes():
                    samples = reader.feed(data)
                    if reader.sample_rate is None or not len(samples):
                        continue
                    check = check or _SilenceCheck(reader.sample_rate)
                    held.append(samples)
                    if streaming and check.clear(samples) and len(held) > 1:
                        yield AudioChunk(np.concatenate(held[:-1]), reader.sample_rate, segment_end=False)
                        held = held[-1:]
        except httpx.TransportError as exc:
            self._weights = {"gpt": None, "sovits": None}  # it may have restarted with other weights
            raise self._transport_error(exc) from None
        if reader.sample_rate is None or check is None:
            raise UpstreamError(f"upstream {self.url} answered without audio for {text!r}")
        if not streaming:
            check.clear(np.concatenate(held))
        if check.failed():
            raise UpstreamError(
                f"upstream {self.url} failed to synthesize {text!r} (it answered one second of silence, "
                "api_v2's sign of an inference error; see its log)"
            )
        yield AudioChunk(np.concatenate(held), reader.sample_rate, segment_end=True)

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self._client.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            self._weights = {"gpt": None, "sovits": None}
            raise self._transport_error(exc) from None

    def _transport_error(self, exc: httpx.TransportError) -> UpstreamError:
        if isinstance(exc, httpx.TimeoutException):
            return UpstreamError(f"upstream GPT-SoVITS server {self.url} did not answer in time ({exc!r})")
        if isinstance(exc, httpx.ConnectError):
            return UpstreamError(f"cannot reach the upstream GPT-SoVITS server at {self.url}: {exc}")
        return UpstreamError(f"the connection to the upstream GPT-SoVITS server {self.url} broke: {exc}")

"""A client for chat apps: `TTSClient.from_env()` reads the same variables the chat app CABM uses.

TTS_SERVICE_METHOD=GPT-SoVITS
TTS_SERVICE_URL_GPTSoVITS=http://127.0.0.1:9880
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote

import httpx
from dotenv import dotenv_values

from emotts.audio.silence import trim_silence
from emotts.errors import EmottsError

METHOD_VARIABLE = "TTS_SERVICE_METHOD"
URL_VARIABLE = "TTS_SERVICE_URL_GPTSoVITS"
ACCEPTED_METHOD = "GPT-SoVITS"
DEFAULT_URL = "http://127.0.0.1:9880"


class ClientConfigError(EmottsError):
    """The environment or `.env` does not describe a GPT-SoVITS service."""


class TTSServiceError(EmottsError):
    """The server answered with an error; `message` and `detail` come from its JSON body."""

    def __init__(self, status_code: int, message: str, detail: Any = None) -> None:
        self.status_code = status_code
        self.message = message
        self.detail = detail
        super().__init__(f"TTS server answered {status_code}: {message}")


@dataclass(frozen=True)
class SpeechReply:
    """Audio and the server's per-sentence decisions (from the X-Emotion* and X-Reference headers)."""

    audio: bytes
    emotions: list[str]
    sources: list[str]
    references: list[str]
    duration: float | None

    @classmethod
    def from_response(cls, response: httpx.Response, audio: bytes) -> SpeechReply:
        def values(name: str) -> list[str]:
            raw = response.headers.get(name, "")
            return [unquote(value) for value in raw.split(",")] if raw else []

        duration = response.headers.get("X-Audio-Duration")
        return cls(
            audio=audio,
            emotions=values("X-Emotion"),
            sources=values("X-Emotion-Source"),
            references=values("X-Reference"),
            duration=float(duration) if duration else None,
        )


class TTSClient:
    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        *,
        timeout: float = 120.0,
        connect_timeout: float = 5.0,
        trim_silence: bool = False,
        silence_threshold_db: float = -60.0,
        max_trim_ratio: float = 0.1,
    ) -> None:
        if not 0.0 <= max_trim_ratio <= 0.1:
            raise ValueError("max_trim_ratio must be between 0 and 0.1 (at most 10 % per side)")
        self.base_url = base_url.rstrip("/")
        self.trim_silence = trim_silence
        self.silence_threshold_db = silence_threshold_db
        self.max_trim_ratio = max_trim_ratio
        self._http = httpx.Client(
            base_url=self.base_url, timeout=httpx.Timeout(timeout, connect=connect_timeout)
        )

    @classmethod
    def from_env(cls, env_file: str | Path | None = ".env", **options: Any) -> TTSClient:
        """Configure from the environment, falling back to `env_file`; the environment wins."""
        values: dict[str, str | None] = (
            dict(dotenv_values(env_file)) if env_file and Path(env_file).is_file() else {}
        )
        values.update({key: os.environ[key] for key in (METHOD_VARIABLE, URL_VARIABLE) if key in os.environ})
        method = (values.get(METHOD_VARIABLE) or ACCEPTED_METHOD).strip()
        if method.lower() != ACCEPTED_METHOD.lower():
            raise ClientConfigError(
                f"{METHOD_VARIABLE}={method!r} is not supported by this client; "
                f"the accepted value is {ACCEPTED_METHOD!r}"
            )
        return cls(values.get(URL_VARIABLE) or DEFAULT_URL, **options)

    def tts(self, text: str, role: str, emotion: str | None = None, **params: Any) -> bytes:
        """WAV bytes of `role` speaking `text` (params: temperature, speed, text_lang, media_type, ...)."""
        return self.speak(text, role, emotion, **params).audio

    def speak(self, text: str, role: str, emotion: str | None = None, **params: Any) -> SpeechReply:
        """Like `tts`, with the emotion, its source and the reference clip the server chose per sentence."""
        body: dict[str, Any] = {"text": text, "role": role, "temperature": 1, **params}
        if emotion is not None:
            body["emotion"] = emotion
        response = self._http.post("/tts", json=body)
        self._raise_for_error(response)
        audio = response.content
        if self.trim_silence and body.get("media_type", "wav") == "wav":
            audio = trim_silence(audio, self.silence_threshold_db, self.max_trim_ratio)
        return SpeechReply.from_response(response, audio)

    def running(self) -> bool:
        try:
            return self._http.get("/running").status_code == 200
        except httpx.HTTPError:
            return False

    def roles(self) -> list[dict[str, Any]]:
        response = self._http.get("/roles")
        self._raise_for_error(response)
        return response.json()["roles"]

    def emotion(self, text: str, role: str | None = None) -> list[dict[str, Any]]:
        """The per-sentence emotions the server would use for `text`."""
        response = self._http.post("/emotion", json={"text": text, "role": role})
        self._raise_for_error(response)
        return response.json()["sentences"]

    @staticmethod
    def _raise_for_error(response: httpx.Response) -> None:
        if response.is_success:
            return
        try:
            body = response.json()
            message, detail = body.get("message", response.text), body.get("detail")
        except ValueError:
            message, detail = response.text or response.reason_phrase, None
        raise TTSServiceError(response.status_code, message, detail)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> TTSClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

"""Bodies of the OpenAI-compatible surface (`/v1/audio/speech`, `/v1/models`, `/v1/audio/voices`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

OPENAI_INPUT_LIMIT = 4096  # characters, as OpenAI documents
PCM_RATE = 24000  # OpenAI's `pcm` is 24 kHz s16le mono without a header

ResponseFormat = Literal["mp3", "opus", "aac", "flac", "wav", "pcm"]


class VoiceObject(BaseModel):
    """OpenAI's custom-voice form `{"id": "..."}`; here the id is a role name too."""

    id: str = Field(min_length=1)


class SpeechRequest(BaseModel):
    """`POST /v1/audio/speech`. `voice` is a role; `instructions` ("sound angry", "用生气的语气说") may
    name an emotion, which then replaces the one read from the text."""

    model_config = ConfigDict(extra="ignore")  # clients send fields of other servers; ignore them

    model: str = Field(default="tts-1", description="accepted and ignored: every model is emotts")
    input: str = Field(min_length=1, max_length=OPENAI_INPUT_LIMIT, description="what to say")
    voice: str | VoiceObject = Field(description="a role name (a folder under the roles directory)")
    instructions: str | None = Field(
        default=None, max_length=OPENAI_INPUT_LIMIT, description="style; an emotion it names is used"
    )
    response_format: ResponseFormat = "mp3"
    speed: float | None = Field(default=None, ge=0.25, le=4.0, description="default: the role's, else 1.0")
    stream_format: Literal["audio", "sse"] = "audio"
    # emotts additions
    emotion: str | None = Field(default=None, description="force an emotion (beats `instructions`)")
    text_lang: str | None = Field(default=None, description="language of the input; default: the role's")

    @property
    def role(self) -> str:
        return self.voice.id if isinstance(self.voice, VoiceObject) else self.voice


class OpenAIErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class OpenAIErrorBody(BaseModel):
    error: OpenAIErrorDetail


class ModelInfo(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "emotts"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelInfo]


class VoiceInfo(BaseModel):
    id: str
    name: str
    object: Literal["voice"] = "voice"
    emotions: list[str] = Field(default=[], description="emotions the role has clips for")


class VoiceList(BaseModel):
    object: Literal["list"] = "list"
    data: list[VoiceInfo]
    voices: list[str] = Field(description="the names alone, as some OpenAI-compatible servers list them")


class Usage(BaseModel):
    """Counts characters: emotts has no tokens to count."""

    input_tokens: int
    output_tokens: int = 0
    total_tokens: int


class SpeechAudioDelta(BaseModel):
    type: Literal["speech.audio.delta"] = "speech.audio.delta"
    audio: str = Field(description="base64 bytes of the response_format stream; concatenated: one file")


class SpeechAudioDone(BaseModel):
    type: Literal["speech.audio.done"] = "speech.audio.done"
    usage: Usage

"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from emotts.audio.encode import MediaType
from emotts.pipeline import EmotionMode


class ErrorBody(BaseModel):
    message: str = Field(description="what went wrong, for people")
    detail: Any = Field(default=None, description="machine-readable specifics, e.g. the valid choices")


class RoleTTSRequest(BaseModel):
    """The chat-app role contract: `{"text", "role", "temperature"}`, plus optional emotts fields."""

    model_config = ConfigDict(extra="ignore")  # chat apps send fields of their own; ignore, as api_v2 does

    text: str = Field(description="what the role says; `[开心]`-style tags set the emotion")
    role: str = Field(min_length=1, description="name of a folder under the roles directory")
    temperature: float | None = Field(default=None, gt=0.0, le=5.0)
    emotion: str | None = Field(default=None, description="force an emotion (label, id or English alias)")
    speed: float | None = Field(default=None, ge=0.25, le=4.0)
    media_type: MediaType = "wav"
    text_lang: str | None = Field(
        default=None, description="language of the text; default: the role's, else auto"
    )
    emotion_mode: EmotionMode | None = Field(default=None, description="sentence: one emotion per sentence")
    top_k: int | None = Field(default=None, ge=1, le=1000)
    top_p: float | None = Field(default=None, gt=0.0, le=1.0)
    repetition_penalty: float | None = Field(default=None, gt=0.0, le=10.0)
    seed: int | None = None


class RunningResponse(BaseModel):
    message: str = "GPT-SoVITS is running"  # the exact text chat apps expect
    version: str
    engine: str
    roles: int
    running: int
    waiting: int


class SentenceEmotionBody(BaseModel):
    text: str
    emotion: str
    emotion_id: int
    emotion_en: str
    source: str
    confidence: float | None = None
    scores: dict[str, float] | None = None


class EmotionRequest(BaseModel):
    text: str = Field(min_length=1)
    role: str | None = Field(default=None, description="judge with this role's classifier and threshold")
    emotion_mode: EmotionMode | None = None


class EmotionResponse(BaseModel):
    classifier: str
    sentences: list[SentenceEmotionBody]


class ProblemBody(BaseModel):
    severity: Literal["error", "warning"]
    message: str
    path: str | None = None


class ClipBody(BaseModel):
    emotion: str
    group: str | None
    path: str
    text: str
    language: str
    duration: float | None


class RoleSummary(BaseModel):
    name: str
    ok: bool = Field(description="the role can be used")
    stale: bool = Field(description="serving the last good version because the current files fail to load")
    error: str | None = None
    engine: str | None = None
    emotions: list[str] = []
    clips: int = 0
    problems: int = 0


class RoleDetail(RoleSummary):
    config: dict[str, Any] | None = None
    classifier: str | None = Field(
        default=None, description='the emotion classifier the role uses: "builtin" or "bert:<folder>"'
    )
    classifier_error: str | None = Field(
        default=None, description="why the role's BERT classifier cannot be loaded (builtin is used instead)"
    )
    default_reference: ClipBody | None = None
    missing_emotions: list[str] = []
    clip_list: list[ClipBody] = []
    problem_list: list[ProblemBody] = []


class RolesResponse(BaseModel):
    roles: list[RoleSummary]

"""Request and response bodies of the HTTP API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from emotts.pipeline import EmotionMode


class ErrorBody(BaseModel):
    message: str = Field(description="what went wrong, for people")
    detail: Any = Field(default=None, description="machine-readable specifics, e.g. the valid choices")


class TTSRequest(BaseModel):
    """`POST /tts`: the chat-app role contract `{"text", "role", "temperature"}` and GPT-SoVITS api_v2's body.

    With `role`, the role supplies reference clip (picked by emotion), transcript, language and weights, and
    any api_v2 field given overrides it. Without `role`, this is an api_v2 request: `ref_audio_path` (or one
    set by /set_refer_audio), `text_lang` and `prompt_lang` are required. Unset fields take the role's value,
    else GPT-SoVITS's default.
    """

    model_config = ConfigDict(extra="ignore")  # chat apps send fields of their own; ignore, as api_v2 does

    text: str | None = Field(default=None, description="what to say; `[开心]`-style tags set the emotion")
    role: str | None = Field(default=None, min_length=1, description="a folder under the roles directory")
    emotion: str | None = Field(default=None, description="force an emotion (label, id or English alias)")
    emotion_mode: EmotionMode | None = Field(default=None, description="sentence: one emotion per sentence")
    text_lang: str | None = Field(default=None, description="zh, en, ja, ko, yue, auto…")
    ref_audio_path: str | None = Field(default=None, description="reference clip under an allowed folder")
    aux_ref_audio_paths: list[str] | None = Field(default=None, description="clips to average style with")
    prompt_text: str | None = Field(default=None, description="transcript of the reference; empty: ref-free")
    prompt_lang: str | None = None
    top_k: int | None = Field(default=None, ge=1, le=1024)
    top_p: float | None = Field(default=None, gt=0.0, le=1.0)
    temperature: float | None = Field(default=None, gt=0.0, le=5.0)
    text_split_method: str | None = Field(default=None, description="cut0–cut5 (api_v2 default cut5)")
    batch_size: int | None = Field(default=None, ge=1, le=64)
    batch_threshold: float | None = Field(default=None, description="accepted for compatibility; unused")
    split_bucket: bool | None = Field(default=None, description="accepted for compatibility; unused")
    speed_factor: float | None = Field(default=None, ge=0.25, le=4.0)
    speed: float | None = Field(default=None, ge=0.25, le=4.0, description="alias of speed_factor")
    fragment_interval: float | None = Field(default=None, ge=0.0, le=5.0)
    seed: int | None = Field(default=None, description="-1 or unset: random")
    media_type: str = Field(default="wav", description="wav, raw, ogg, flac, mp3, aac, opus")
    sample_rate: int | None = Field(default=None, ge=8000, le=192000, description="resample the output")
    streaming_mode: bool | int = Field(default=False, description="0, 1: per segment, 2, 3: chunks")
    parallel_infer: bool | None = None
    repetition_penalty: float | None = Field(default=None, gt=0.0, le=10.0)
    sample_steps: int | None = Field(default=None, ge=1, le=128)
    super_sampling: bool | None = Field(default=None, description="accepted for compatibility; unused")
    overlap_length: int | None = Field(default=None, ge=0, le=64)
    min_chunk_length: int | None = Field(default=None, ge=1, le=1500)


class MessageBody(BaseModel):
    message: str


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

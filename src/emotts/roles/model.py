"""What a loaded role is: its validated config, default reference, emotional clips and known problems."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from emotts.emotion.decide import DEFAULT_THRESHOLD
from emotts.engines.base import Reference, VoiceModel

ClipPolicy = Literal["first", "round_robin", "random"]


class RoleConfig(BaseModel):
    """`config.json` of a role. The first keys are the chat-app contract; the rest are emotts extensions."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    ref_audio: str
    ref_text: str
    ref_lang: str
    gpt: str | None = None
    sovits: str | None = None
    BERTmodel: str = "BERT/"
    multiREF: str = "refAudio/"
    # emotts extensions
    engine: str | None = None
    text_lang: str | None = None
    emotion_threshold: float = Field(default=DEFAULT_THRESHOLD, ge=0.0, le=1.0)
    clip_policy: ClipPolicy | None = None
    clip_seed: int | None = None
    temperature: float | None = Field(default=None, gt=0.0)
    top_k: int | None = Field(default=None, ge=1)
    top_p: float | None = Field(default=None, gt=0.0, le=1.0)
    repetition_penalty: float | None = Field(default=None, gt=0.0)
    speed: float | None = Field(default=None, gt=0.0)


Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """Something wrong in a role folder. Errors make the role unusable; warnings do not."""

    severity: Severity
    message: str
    path: Path | None = None
    code: str = ""  # stable id for problems tools treat specially, e.g. "clip_duration" (see roles.clips)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass(frozen=True)
class ReferenceClip:
    """An emotional reference clip found under the role's multiREF folder."""

    reference: Reference
    emotion: str
    group: str | None = None  # the optional character-named level: refAudio/<group>/<emotion>/
    duration: float | None = None


@dataclass(frozen=True)
class Role:
    name: str
    folder: Path
    config: RoleConfig
    default_reference: Reference
    clips: Mapping[str, tuple[ReferenceClip, ...]]  # emotion label → clips in sorted path order
    voice: VoiceModel = field(default_factory=VoiceModel)
    bert_dir: Path | None = None  # the BERTmodel folder when it exists
    problems: tuple[Problem, ...] = ()

    @property
    def emotions(self) -> list[str]:
        """Emotions that have at least one clip of their own."""
        return [emotion for emotion, clips in self.clips.items() if clips]

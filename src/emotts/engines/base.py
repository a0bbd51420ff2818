"""The engine interface: what every synthesizer (preview, GPT-SoVITS, upstream proxy) takes and yields."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

import numpy as np


@dataclass(frozen=True)
class Reference:
    """A reference clip: the voice and tone to imitate, with its transcript and language."""

    audio_path: Path
    text: str  # empty: reference-free synthesis (the clip still sets the timbre)
    language: str
    aux_audio_paths: tuple[Path, ...] = ()  # more clips whose style is averaged in (GPT-SoVITS aux refs)


@dataclass(frozen=True)
class VoiceModel:
    """Model files of a role (None means the engine's default); engines without models ignore it."""

    gpt_path: Path | None = None
    sovits_path: Path | None = None


StreamingMode = Literal[0, 1, 2, 3]


@dataclass(frozen=True)
class SynthesisParams:
    """Sampling, speed and segmentation settings, with GPT-SoVITS defaults. Engines ignore what they lack."""

    temperature: float = 1.0
    top_k: int = 15
    top_p: float = 1.0
    repetition_penalty: float = 1.35
    speed: float = 1.0
    seed: int | None = None
    split_method: str = "cut0"  # cut0–cut5, applied within each segment
    batch_size: int = 1  # segments decoded together by the AR model
    parallel: bool = True  # the reference's parallel_infer (changes which token it drops at a length stop)
    fragment_interval: float = 0.3  # seconds of silence after each segment
    noise_scale: float = 0.5
    sample_steps: int = 32  # v3/v4 flow-matching steps
    # 0/1: one chunk per segment; 2/3: chunks of about `chunk_tokens` semantic tokens (3: exactly)
    streaming_mode: StreamingMode = 0
    chunk_tokens: int = 16
    overlap_tokens: int = 2


@dataclass(frozen=True)
class SynthesisRequest:
    """One run of text spoken with one reference: several segments, one language, one emotion."""

    segments: tuple[str, ...]
    language: str
    reference: Reference
    emotion: str
    params: SynthesisParams = field(default_factory=SynthesisParams)
    voice: VoiceModel = field(default_factory=VoiceModel)


@dataclass(frozen=True)
class AudioChunk:
    """Mono int16 samples at `sample_rate`. `segment_end` marks the last chunk of a text segment."""

    samples: np.ndarray
    sample_rate: int
    segment_end: bool = True

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate


class Engine(Protocol):
    """A speech synthesizer. `synthesize` may run in several worker threads; engines serialize as needed."""

    name: str
    languages: frozenset[str]

    def synthesize(self, request: SynthesisRequest) -> Iterator[AudioChunk]:
        """Yield audio for the non-blank segments in order; the last chunk of each has `segment_end` set."""
        ...

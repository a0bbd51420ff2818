"""The request flow, one way: text → emotion per sentence → reference clip → engine → audio chunks."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, replace
from typing import Literal

import numpy as np

from emotts.emotion.builtin import BuiltinClassifier
from emotts.emotion.classifier import EmotionClassifier
from emotts.emotion.decide import DEFAULT_THRESHOLD, SentenceEmotion, decide_emotions
from emotts.emotion.provider import ClassifierProvider
from emotts.engines.base import (
    AudioChunk,
    Engine,
    Reference,
    StreamingMode,
    SynthesisParams,
    SynthesisRequest,
    VoiceModel,
)
from emotts.engines.registry import EngineSet
from emotts.errors import EmottsError
from emotts.languages import normalize_language
from emotts.roles.model import Role, RoleConfig
from emotts.roles.registry import RoleRegistry
from emotts.roles.selection import ClipSelector, ReferenceChoice

log = logging.getLogger(__name__)

EmotionMode = Literal["sentence", "whole"]


class EmptyTextError(EmottsError, ValueError):
    """Nothing speakable is left once tags and punctuation are removed."""


@dataclass(frozen=True)
class SpeechInput:
    """What a client asks for. None means: the role's default, else the engine's.

    Without a role, `reference` must be given and is spoken with the server's default voice (the api_v2
    way); with a role, an explicit `reference` replaces the clip the emotion would pick.
    """

    text: str
    role: str | None = None
    emotion: str | None = None
    language: str | None = None
    emotion_mode: EmotionMode | None = None
    reference: Reference | None = None
    engine: str | None = None
    temperature: float | None = None
    top_k: int | None = None
    top_p: float | None = None
    repetition_penalty: float | None = None
    speed: float | None = None
    seed: int | None = None
    split_method: str | None = None
    batch_size: int | None = None
    parallel: bool | None = None
    fragment_interval: float | None = None
    sample_steps: int | None = None
    streaming_mode: StreamingMode | None = None
    chunk_tokens: int | None = None
    overlap_tokens: int | None = None


@dataclass(frozen=True)
class SpeechPart:
    """Consecutive sentences spoken with one emotion and one reference clip."""

    sentences: tuple[SentenceEmotion, ...]
    choice: ReferenceChoice

    @property
    def emotion(self) -> str:
        return self.sentences[0].emotion


@dataclass(frozen=True)
class SpeechPlan:
    role: Role
    engine: Engine
    language: str
    params: SynthesisParams
    parts: tuple[SpeechPart, ...]

    @property
    def sentences(self) -> list[SentenceEmotion]:
        return [sentence for part in self.parts for sentence in part.sentences]


@dataclass(frozen=True)
class Speech:
    plan: SpeechPlan
    samples: np.ndarray
    sample_rate: int

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate


@dataclass
class SpeechPipeline:
    registry: RoleRegistry
    engines: EngineSet
    default_engine: str = "preview"
    selector: ClipSelector = field(default_factory=ClipSelector)
    classifiers: ClassifierProvider = field(default_factory=lambda: ClassifierProvider(BuiltinClassifier()))
    sentence_pause: float = 0.25  # seconds of silence between sentences
    # the voice of roles that name no weights; replaced whole (never mutated) when weights are switched
    default_voice: VoiceModel = field(default_factory=VoiceModel)

    def classifier_for(self, role: Role | None) -> EmotionClassifier:
        """The classifier for a role's text: its BERT model if it has one that loads, else the built-in."""
        return self.classifiers.for_role(role)

    def analyze(
        self, text: str, role: Role | None = None, emotion: str | None = None, mode: EmotionMode | None = None
    ) -> list[SentenceEmotion]:
        threshold = role.config.emotion_threshold if role else DEFAULT_THRESHOLD
        return decide_emotions(
            text, requested=emotion, classifier=self.classifier_for(role), threshold=threshold, mode=mode
        )

    def plan(self, request: SpeechInput) -> SpeechPlan:
        role = self._role(request)
        engine = self.engines.get(request.engine or role.config.engine or self.default_engine)
        language = normalize_language(request.language or role.config.text_lang or "auto", engine.languages)
        # an explicit reference is one voice for the whole text: let the engine split it
        mode = request.emotion_mode or ("whole" if request.reference is not None else None)
        sentences = self.analyze(request.text, role, request.emotion, mode)
        if not sentences:
            raise EmptyTextError("text has nothing to speak once emotion tags and punctuation are removed")
        parts = self._group(role, sentences, request.reference)
        return SpeechPlan(role, engine, language, self._params(role, request), parts)

    def _role(self, request: SpeechInput) -> Role:
        """The named role with the default voice filled in, or a one-clip role made of the given reference."""
        if request.role is None:
            if request.reference is None:
                raise EmottsError("a request needs a role or a reference clip")
            reference = request.reference
            config = RoleConfig(ref_audio=str(reference.audio_path), ref_text=reference.text, ref_lang="auto")
            return Role("", reference.audio_path.parent, config, reference, {}, self.default_voice)
        role = self.registry.get(request.role)
        voice = VoiceModel(
            role.voice.gpt_path or self.default_voice.gpt_path,
            role.voice.sovits_path or self.default_voice.sovits_path,
        )
        return replace(role, voice=voice) if voice != role.voice else role

    def render(self, plan: SpeechPlan) -> Iterator[AudioChunk]:
        """Audio of every part in order, with a pause between sentences."""
        pending_pause = False
        for part in plan.parts:
            synthesis = SynthesisRequest(
                segments=tuple(sentence.text for sentence in part.sentences),
                language=plan.language,
                reference=part.choice.reference,
                emotion=part.emotion,
                params=plan.params,
                voice=plan.role.voice,
            )
            for chunk in plan.engine.synthesize(synthesis):
                if pending_pause and self.sentence_pause > 0:
                    silence = np.zeros(int(chunk.sample_rate * self.sentence_pause), dtype=np.int16)
                    yield AudioChunk(silence, chunk.sample_rate)
                pending_pause = chunk.segment_end
                yield chunk

    def speak(self, request: SpeechInput) -> Speech:
        plan = self.plan(request)
        chunks = list(self.render(plan))
        if not chunks:
            raise EmptyTextError("the engine produced no audio for this text")
        rate = chunks[0].sample_rate
        samples = np.concatenate([chunk.samples for chunk in chunks])
        log.info(
            "role=%s emotions=%s %.2fs of audio",
            plan.role.name,
            ",".join(part.emotion for part in plan.parts),
            len(samples) / rate,
        )
        return Speech(plan, samples, rate)

    def _group(
        self, role: Role, sentences: list[SentenceEmotion], reference: Reference | None
    ) -> tuple[SpeechPart, ...]:
        parts: list[SpeechPart] = []
        for sentence in sentences:
            if parts and parts[-1].emotion == sentence.emotion:
                parts[-1] = replace(parts[-1], sentences=(*parts[-1].sentences, sentence))
                continue
            if reference is None:
                choice = self.selector.choose(role, sentence.emotion)
            else:
                choice = ReferenceChoice(reference, sentence.emotion, None, fallback=False)
            parts.append(SpeechPart((sentence,), choice))
        return tuple(parts)

    @staticmethod
    def _params(role: Role, request: SpeechInput) -> SynthesisParams:
        """Each setting from the request, else the role's config.json, else the engine default."""
        chosen = {}
        declared = type(role.config).model_fields  # not the free-form extras of config.json
        for spec in fields(SynthesisParams):
            configured = getattr(role.config, spec.name) if spec.name in declared else None
            for value in (getattr(request, spec.name, None), configured):
                if value is not None:
                    chosen[spec.name] = value
                    break
        if request.reference is None:  # role speech: the pipeline's sentence pause is the only gap
            chosen.setdefault("fragment_interval", 0.0)
        return SynthesisParams(**chosen)

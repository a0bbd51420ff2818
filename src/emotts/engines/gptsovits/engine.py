"""The GPT-SoVITS engine: voices from the official checkpoint files, run in-process by emotts' own code."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from emotts.engines.base import AudioChunk, SynthesisRequest, VoiceModel
from emotts.engines.gptsovits.helper_models import HelperModels
from emotts.engines.gptsovits.models import ModelCache, resolve_device
from emotts.engines.gptsovits.pretrained import PretrainedModels
from emotts.engines.gptsovits.voice import Voice
from emotts.errors import EmottsError, UnknownLanguageError
from emotts.languages import LANGUAGES
from emotts.lru import LruCache

log = logging.getLogger(__name__)

AUTO_BATCH = 8  # pieces decoded together when not streaming (memory grows with it)
# v1 models only know the v1 symbol table: no Korean or Cantonese phones
V1_LANGUAGES = frozenset({"zh", "en", "ja", "auto", "all_zh", "all_ja"})


class MissingModelError(EmottsError):
    """A role names no weights and the server has no default ones."""


@dataclass(frozen=True)
class GsvEngineConfig:
    pretrained_dir: Path  # the GPT-SoVITS `pretrained_models/` folder (BERT, HuBERT, sv/)
    gpt_path: Path | None = None  # default weights for roles that name none
    sovits_path: Path | None = None
    cache_size: int = 2  # model sets kept in memory
    device: str = "auto"
    # G2PW polyphone model folder (v2+ Mandarin); None: GPT-SoVITS's own `text/G2PWModel` beside
    # `pretrained_models/` when that folder exists, else off
    g2pw_dir: Path | None = None


def resolve_g2pw_dir(config: GsvEngineConfig) -> Path | None:
    """The G2PW folder to use: the configured one, else GPT-SoVITS's layout when present, else None."""
    if config.g2pw_dir is not None:
        return config.g2pw_dir.expanduser()
    default = config.pretrained_dir.expanduser().parent / "text" / "G2PWModel"
    return default if default.is_dir() else None


def to_int16(samples: np.ndarray) -> np.ndarray:
    """float [-1, 1] → int16 like the reference (x * 32768), but clipped: +1.0 must not wrap to -32768."""
    return np.clip(samples * 32768.0, -32768, 32767).astype(np.int16)


class GptSovitsEngine:
    name = "gptsovits"
    languages = LANGUAGES

    def __init__(self, config: GsvEngineConfig) -> None:
        self.config = config
        self.device = resolve_device(config.device)
        g2pw_dir = resolve_g2pw_dir(config)
        if g2pw_dir is None:
            log.info("G2PW polyphone model off: no --g2pw, no text/G2PWModel by %s", config.pretrained_dir)
        else:
            log.info("G2PW polyphone model: %s", g2pw_dir)
        self.helpers = HelperModels(PretrainedModels(config.pretrained_dir), self.device, g2pw_dir)
        self._models = ModelCache(config.cache_size, self.device)
        self._voices: LruCache[int, Voice] = LruCache(config.cache_size)

    def voice(self, model: VoiceModel) -> Voice:
        """The loaded voice for these weights (the configured defaults fill in what `model` leaves out)."""
        gpt = model.gpt_path or self.config.gpt_path
        sovits = model.sovits_path or self.config.sovits_path
        if gpt is None or sovits is None:
            missing = "GPT (.ckpt)" if gpt is None else "SoVITS (.pth)"
            raise MissingModelError(
                f"no {missing} weights: set `gpt`/`sovits` in the role's config.json or start the server "
                "with --gpt/--sovits"
            )
        models = self._models.get(gpt, sovits)
        # a Voice holds per-model caches (reference prompts); keyed by the model set it wraps
        return self._voices.get(id(models), lambda: Voice(models, self.helpers))

    def synthesize(self, request: SynthesisRequest) -> Iterator[AudioChunk]:
        voice = self.voice(request.voice)
        rate = voice.sampling_rate
        valid = V1_LANGUAGES if voice.models.symbols == "v1" else self.languages
        for language in (request.language, request.reference.language):
            if language not in valid:
                raise UnknownLanguageError(language, valid)
        params = request.params
        started = time.perf_counter()
        prompt = voice.prompt(request.reference)
        silence = np.zeros(int(rate * params.fragment_interval), dtype=np.int16)
        # every split piece of every text segment, and whether it ends its text segment
        pieces = []
        for text in request.segments:
            prepared = voice.prepare(text, request.language, params.split_method)
            pieces += [(piece, i == len(prepared) - 1) for i, piece in enumerate(prepared)]
        if params.streaming_mode in (2, 3):  # token chunks while the AR model is still running
            for piece, ends_text in pieces:
                for audio in voice.speak_chunks(prompt, piece, params):
                    yield AudioChunk(to_int16(audio), rate, segment_end=False)
                yield AudioChunk(silence, rate, segment_end=ends_text)
            return
        if not params.streaming_mode:
            # nobody hears the first piece early, so decode the pieces together: the same tokens, several
            # times the AR throughput on a CPU
            params = replace(params, batch_size=max(params.batch_size, min(AUTO_BATCH, len(pieces))))
        spoken = voice.speak(prompt, [piece for piece, _ in pieces], params)
        for (_, ends_text), audio in zip(pieces, spoken, strict=True):
            samples = to_int16(audio.samples)
            yield AudioChunk(np.concatenate([samples, silence]), rate, segment_end=ends_text)
        log.debug("synthesized %d segment(s) in %.2fs", len(request.segments), time.perf_counter() - started)

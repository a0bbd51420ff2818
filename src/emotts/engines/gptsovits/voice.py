"""Speaking with one loaded model set: the reference prompt, text features, AR tokens and SoVITS decoding.

This is the reference implementation's `TTS.run` for v1/v2/v2Pro/v2ProPlus, split into steps the engine can
stream: `prompt` (cached per clip and transcript), `prepare` (text → segments of phones and BERT features),
then `speak`, which yields each segment's waveform as soon as it is decoded.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from emotts.engines.base import Reference, SynthesisParams
from emotts.engines.gptsovits.helper_models import HelperModels
from emotts.engines.gptsovits.models import ModelSet
from emotts.engines.gptsovits.reference import ReferenceFeatures, ReferenceProcessor
from emotts.engines.gptsovits.text.preprocess import PhonesAndBert, phones_and_bert
from emotts.engines.gptsovits.text.split import SPLIT_PUNCTUATION, pre_segment
from emotts.lru import LruCache

log = logging.getLogger(__name__)

MUTE_TOKEN = 486  # the semantic token the reference treats as silence when cutting streaming chunks


@dataclass(frozen=True)
class Prompt:
    """Everything a reference contributes: prompt tokens, style vector and the transcript's features."""

    reference: Reference
    features: ReferenceFeatures
    style: Tensor  # ge [1, gin, 1], averaged over the main and aux clips
    text: PhonesAndBert | None  # None: reference-free (no transcript)


@dataclass(frozen=True)
class SegmentAudio:
    text: str  # the normalised text of the segment
    samples: np.ndarray  # float32 in [-1, 1] at the model's rate
    tokens: int  # semantic tokens decoded


def _ar_input(prompt: Prompt, segment: PhonesAndBert) -> tuple[Tensor, Tensor]:
    """The AR model reads the transcript's phones and BERT features followed by the segment's."""
    if prompt.text is None:
        return torch.tensor(segment.phone_ids), segment.bert
    phones = torch.tensor([*prompt.text.phone_ids, *segment.phone_ids])
    return phones, torch.cat([prompt.text.bert, segment.bert], dim=1)


def _with_end_punctuation(text: str, language: str) -> str:
    """The reference appends "。" ("." for English) to a transcript that does not end a sentence."""
    text = text.strip("\n")
    if text and text[-1] not in SPLIT_PUNCTUATION:
        text += "." if language == "en" else "。"
    return text


class Voice:
    """One model set with its helpers and caches; thread-safe, shared by every request using these weights."""

    def __init__(self, models: ModelSet, helpers: HelperModels, cache_size: int = 32) -> None:
        self.models = models
        self.helpers = helpers
        speaker = helpers.speaker() if models.version in ("v2Pro", "v2ProPlus") else None
        self.references = ReferenceProcessor(models.sovits, helpers.hubert(), speaker, cache_size=cache_size)
        self._prompts: LruCache[tuple[object, ...], Prompt] = LruCache(cache_size)
        self._texts: LruCache[tuple[str, str], PhonesAndBert] = LruCache(cache_size * 4)
        self._bert_lock = threading.Lock()

    @property
    def sampling_rate(self) -> int:
        return self.models.sampling_rate

    def text_features(self, text: str, language: str) -> PhonesAndBert:
        """Phones and BERT features of one segment, cached (prompt transcripts repeat on every request)."""
        version = self.models.symbols

        def build() -> PhonesAndBert:
            g2pw = self.helpers.g2pw() if version != "v1" else None  # v1's frontend never had G2PW
            with self._bert_lock:  # one BERT forward at a time keeps peak memory flat
                return phones_and_bert(text, language, version, self.helpers.bert(), g2pw)

        return self._texts.get((text, language), build)

    def prompt(self, reference: Reference) -> Prompt:
        """The reference's features, cached per clip files (path, size, mtime) and transcript."""
        paths = (reference.audio_path, *reference.aux_audio_paths)
        key = (reference.text, reference.language, *(self.references.file_key(p) for p in paths))
        return self._prompts.get(key, lambda: self._build_prompt(reference))

    def _build_prompt(self, reference: Reference) -> Prompt:
        main = self.references.features(reference.audio_path)
        clips = [main] + [self.references.features(path) for path in reference.aux_audio_paths]
        sv = [clip.sv_emb for clip in clips] if main.sv_emb is not None else None
        style = self.models.sovits.style([clip.refer_spec for clip in clips], sv)
        transcript = _with_end_punctuation(reference.text, reference.language)
        text = self.text_features(transcript, reference.language) if transcript else None
        return Prompt(reference, main, style, text)

    def prepare(self, text: str, language: str, split_method: str) -> list[PhonesAndBert]:
        """The reference's text pre-processing: split with `split_method`, then per-segment features."""
        segments = pre_segment(text, language, split_method)
        prepared = [self.text_features(segment, language) for segment in segments]
        return [segment for segment in prepared if segment.phone_ids]

    def speak(
        self, prompt: Prompt, segments: Sequence[PhonesAndBert], params: SynthesisParams
    ) -> Iterator[SegmentAudio]:
        """Waveform of each segment in order, `params.batch_size` segments per AR batch."""
        generator = self._generator(params)
        semantic = prompt.features.prompt_semantic if prompt.text is not None else None
        for start in range(0, len(segments), max(1, params.batch_size)):
            batch = segments[start : start + max(1, params.batch_size)]
            inputs = [_ar_input(prompt, segment) for segment in batch]
            results = self.models.t2s.generate(
                [phones for phones, _ in inputs],
                [bert for _, bert in inputs],
                semantic,
                **self._sampling(params, generator),
            )
            for segment, result in zip(batch, results, strict=True):
                tokens = result.for_decode(parallel=params.parallel)
                wav = self.decode(tokens, segment.phone_ids, prompt.style, params, generator)
                yield SegmentAudio(segment.norm_text, wav, int(tokens.shape[0]))

    def speak_chunks(
        self, prompt: Prompt, segment: PhonesAndBert, params: SynthesisParams
    ) -> Iterator[np.ndarray]:
        """One segment as audio chunks while its tokens are still being generated (streaming modes 2 and 3).

        A chunk closes after `chunk_tokens` tokens (mode 3), or (mode 2) at the first token after that
        which the model embeds like its silence token, so cuts tend to fall in pauses. Each chunk is decoded
        with `overlap_tokens` earlier tokens in front and cross-faded into the previous chunk's tail; unlike
        the reference, no token is decoded twice into the output.
        """
        generator = self._generator(params)
        phones, bert = _ar_input(prompt, segment)
        semantic = prompt.features.prompt_semantic if prompt.text is not None else None
        steps = self.models.t2s.decode_steps([phones], [bert], semantic, **self._sampling(params, generator))
        pauses = self._pause_tokens() if params.streaming_mode == 2 else None
        tokens: list[int] = []
        start, tail = 0, np.zeros(0, dtype=np.float32)
        eos = self.models.t2s.hp.eos
        for token in steps:
            value = int(token[0])
            if value == eos:
                break
            tokens.append(value)
            ready = len(tokens) - start >= params.chunk_tokens
            if ready and (pauses is None or pauses[value]):
                audio, tail = self._chunk(tokens, start, segment, prompt, params, tail, generator)
                start = len(tokens)
                yield audio
        if start < len(tokens) or tail.size:
            audio, _ = self._chunk(tokens, start, segment, prompt, params, tail, generator, final=True)
            yield audio

    def _chunk(
        self,
        tokens: list[int],
        start: int,
        segment: PhonesAndBert,
        prompt: Prompt,
        params: SynthesisParams,
        tail: np.ndarray,
        generator: torch.Generator,
        final: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Audio of tokens[start:] (cross-faded over `tail`) and the new tail held back for the next one."""
        if start >= len(tokens):
            return tail, np.zeros(0, dtype=np.float32)
        begin = max(0, start - params.overlap_tokens)
        wav = self.decode(torch.tensor(tokens[begin:]), segment.phone_ids, prompt.style, params, generator)
        per_token = len(wav) / (len(tokens) - begin)
        lead = min(len(tail), round((start - begin) * per_token))
        if lead:
            fade = np.linspace(0.0, 1.0, lead, dtype=np.float32)
            wav[:lead] = tail[-lead:] * (1 - fade) + wav[:lead] * fade
        if final:
            return wav, np.zeros(0, dtype=np.float32)
        keep = round(params.overlap_tokens * per_token)
        return wav[: len(wav) - keep], wav[len(wav) - keep :]

    def _pause_tokens(self) -> Tensor:
        """Tokens whose AR embedding points the same way as the reference's silence token 486."""
        table = self.models.t2s.ar_audio_embedding.word_embeddings.weight
        similarity = torch.nn.functional.cosine_similarity(table, table[MUTE_TOKEN][None], dim=-1)
        return (similarity > 0).cpu()

    def _sampling(self, params: SynthesisParams, generator: torch.Generator) -> dict[str, Any]:
        """The AR model's sampling arguments for these settings."""
        return {
            "top_k": params.top_k,
            "top_p": params.top_p,
            "temperature": params.temperature,
            "repetition_penalty": params.repetition_penalty,
            "early_stop_num": self.models.early_stop_num,
            "generator": generator,
        }

    def _generator(self, params: SynthesisParams) -> torch.Generator:
        generator = torch.Generator(device=self.models.device)
        if params.seed is not None and params.seed >= 0:
            generator.manual_seed(params.seed)
        else:
            generator.seed()
        return generator

    @torch.inference_mode()
    def decode(
        self,
        tokens: Tensor,
        phone_ids: Sequence[int],
        style: Tensor,
        params: SynthesisParams,
        generator: torch.Generator | None = None,
    ) -> np.ndarray:
        """SoVITS waveform of one segment, peak-limited to [-1, 1] as the reference does."""
        device = self.models.device
        codes = tokens.to(device).view(1, 1, -1)
        phones = torch.tensor([list(phone_ids)], device=device)
        wav = self.models.sovits.decode(
            codes, phones, style, speed=params.speed, noise_scale=params.noise_scale, generator=generator
        ).wav[0, 0]
        peak = wav.abs().max()
        if peak > 1:
            wav = wav / peak
        return wav.float().cpu().numpy()

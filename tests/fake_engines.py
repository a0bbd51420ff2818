"""Engines for server tests: deterministic tones, optionally held until the test releases them."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np

from emotts.engines.base import AudioChunk, SynthesisRequest
from emotts.engines.registry import EngineSet


class ToneEngine:
    """0.1 s of tone per character; `gate` (if given) must be set before any audio is produced."""

    name = "tone"
    languages = frozenset({"zh", "en", "yue", "auto"})
    sample_rate = 16000

    def __init__(self, gate: threading.Event | None = None, fail_with: Exception | None = None) -> None:
        self.gate = gate
        self.fail_with = fail_with
        self.requests: list[SynthesisRequest] = []
        self._lock = threading.Lock()

    def synthesize(self, request: SynthesisRequest) -> Iterator[AudioChunk]:
        with self._lock:
            self.requests.append(request)
        if self.gate is not None and not self.gate.wait(timeout=30):
            raise TimeoutError("test gate was never opened")
        if self.fail_with is not None:
            raise self.fail_with
        for segment in request.segments:
            t = np.arange(int(0.1 * len(segment) * self.sample_rate)) / self.sample_rate
            yield AudioChunk((np.sin(2 * np.pi * 220 * t) * 8000).astype(np.int16), self.sample_rate)


def engine_set(engine: ToneEngine) -> EngineSet:
    """An EngineSet whose default 'preview' name serves `engine`."""
    return EngineSet({"preview": lambda: engine})

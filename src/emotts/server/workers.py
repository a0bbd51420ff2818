"""A bounded pool for synthesis, so the event loop (and /running) never waits on an engine."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from emotts.errors import EmottsError

T = TypeVar("T")


class QueueFullError(EmottsError):
    def __init__(self, capacity: int) -> None:
        super().__init__(f"the server is busy: {capacity} syntheses are running or waiting; retry shortly")


class SynthesisPool:
    """Runs at most `workers` jobs at once and lets at most `queue_size` more wait; beyond that it refuses."""

    def __init__(self, workers: int, queue_size: int) -> None:
        self.workers = workers
        self.capacity = workers + queue_size
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="emotts-synth")
        self._admitted = 0
        self._running = 0
        self._lock = threading.Lock()

    @property
    def running(self) -> int:
        return self._running

    @property
    def waiting(self) -> int:
        return self._admitted - self._running

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        with self._lock:
            if self._admitted >= self.capacity:
                raise QueueFullError(self.capacity)
            self._admitted += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, self._tracked, fn, args)
        finally:
            with self._lock:
                self._admitted -= 1

    def _tracked(self, fn: Callable[..., T], args: tuple[object, ...]) -> T:
        with self._lock:
            self._running += 1
        try:
            return fn(*args)
        finally:
            with self._lock:
                self._running -= 1

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

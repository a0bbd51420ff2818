"""A bounded pool for synthesis, so the event loop (and /running) never waits on an engine."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator
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

    async def stream(self, produce: Callable[[], Iterator[T]]) -> AsyncIterator[T]:
        """Items of `produce()`, iterated in a worker as they come; admission as for `run`.

        The worker stays at most a few items ahead of the consumer, and stops at the next item once the
        consumer goes away (a client that hangs up frees its worker).
        """
        with self._lock:
            if self._admitted >= self.capacity:
                raise QueueFullError(self.capacity)
            self._admitted += 1
        loop = asyncio.get_running_loop()
        items: asyncio.Queue[tuple[str, object]] = asyncio.Queue()
        room = threading.Semaphore(4)  # backpressure: items produced but not yet consumed
        stop = threading.Event()

        def pump() -> None:
            try:
                for item in produce():
                    while not room.acquire(timeout=0.5):
                        if stop.is_set():
                            return
                    if stop.is_set():
                        return
                    loop.call_soon_threadsafe(items.put_nowait, ("item", item))
                loop.call_soon_threadsafe(items.put_nowait, ("end", None))
            except BaseException as exc:  # handed to the consumer, which raises it
                loop.call_soon_threadsafe(items.put_nowait, ("error", exc))

        job = loop.run_in_executor(self._executor, self._tracked, pump, ())
        try:
            while True:
                kind, value = await items.get()
                if kind == "end":
                    break
                if kind == "error":
                    raise value  # type: ignore[misc]
                room.release()
                yield value  # type: ignore[misc]
        finally:
            stop.set()
            with self._lock:
                self._admitted -= 1
            del job

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

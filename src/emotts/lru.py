"""A small thread-safe LRU cache that builds each missing value once, however many threads ask for it.

Used for loaded model sets and for reference-clip features: both are slow to build and shared by requests that
run in several worker threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LruCache(Generic[K, V]):
    """Holds at most `size` values; the least recently used one is dropped (and `on_evict` called) first.

    `get(key, build)` returns the cached value or calls `build()` to make it. Concurrent calls for the same
    key wait for one build; calls for other keys are not blocked while it runs. A failed build caches nothing.
    """

    def __init__(self, size: int, on_evict: Callable[[K, V], None] | None = None) -> None:
        if size < 1:
            raise ValueError("an LRU cache holds at least one value")
        self.size = size
        self._on_evict = on_evict
        self._values: OrderedDict[K, V] = OrderedDict()
        self._building: dict[K, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: K, build: Callable[[], V]) -> V:
        while True:
            with self._lock:
                if key in self._values:
                    self._values.move_to_end(key)
                    return self._values[key]
                gate = self._building.get(key)
                if gate is None:
                    gate = self._building[key] = threading.Lock()
                    gate.acquire()
                    break
            with gate:  # another thread builds this key: wait for it, then look again
                pass
        try:
            value = build()
        except BaseException:
            with self._lock:
                del self._building[key]
            gate.release()
            raise
        evicted: list[tuple[K, V]] = []
        with self._lock:
            self._values[key] = value
            while len(self._values) > self.size:
                evicted.append(self._values.popitem(last=False))
            del self._building[key]
        gate.release()
        for old_key, old_value in evicted:
            if self._on_evict is not None:
                self._on_evict(old_key, old_value)
        return value

    def peek(self, key: K) -> V | None:
        """The cached value without building it or refreshing its place."""
        with self._lock:
            return self._values.get(key)

    def discard(self, key: K) -> None:
        with self._lock:
            value = self._values.pop(key, None)
        if value is not None and self._on_evict is not None:
            self._on_evict(key, value)

    def keys_by_age(self) -> list[K]:
        """Keys from least to most recently used."""
        with self._lock:
            return list(self._values)

    def __len__(self) -> int:
        with self._lock:
            return len(self._values)

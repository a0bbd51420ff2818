"""The shared LRU cache: eviction order, one build per key under concurrency, failed builds not cached."""

from __future__ import annotations

import threading
import time

import pytest

from emotts.lru import LruCache


def test_least_recently_used_value_is_evicted_and_reported() -> None:
    evicted: list[tuple[str, int]] = []
    cache: LruCache[str, int] = LruCache(2, on_evict=lambda k, v: evicted.append((k, v)))
    cache.get("a", lambda: 1)
    cache.get("b", lambda: 2)
    cache.get("a", lambda: 99)  # hit: refreshes "a"
    cache.get("c", lambda: 3)
    assert cache.keys_by_age() == ["a", "c"]
    assert evicted == [("b", 2)]
    assert cache.peek("a") == 1


def test_concurrent_requests_for_one_key_build_once() -> None:
    calls = 0
    lock = threading.Lock()

    def build() -> str:
        nonlocal calls
        with lock:
            calls += 1
        time.sleep(0.05)
        return "model"

    cache: LruCache[str, str] = LruCache(4)
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get("k", build))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == 1
    assert results == ["model"] * 8


def test_a_failed_build_is_not_cached() -> None:
    cache: LruCache[str, int] = LruCache(2)

    def fail() -> int:
        raise OSError("disk")

    with pytest.raises(OSError):
        cache.get("k", fail)
    assert cache.get("k", lambda: 7) == 7


def test_discard_calls_the_eviction_hook() -> None:
    evicted: list[str] = []
    cache: LruCache[str, int] = LruCache(2, on_evict=lambda k, v: evicted.append(k))
    cache.get("a", lambda: 1)
    cache.discard("a")
    cache.discard("missing")
    assert evicted == ["a"] and len(cache) == 0

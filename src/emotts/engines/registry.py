"""Engines by name, created lazily once per server and shared by all requests."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from emotts.engines.base import Engine
from emotts.errors import UnknownEngineError

log = logging.getLogger(__name__)


def _preview() -> Engine:
    from emotts.engines.preview.engine import PreviewEngine

    return PreviewEngine()


ENGINE_FACTORIES: dict[str, Callable[[], Engine]] = {"preview": _preview}


class EngineSet:
    """The engines a server uses; each is built on first use (model loading can be slow)."""

    def __init__(self, factories: dict[str, Callable[[], Engine]] | None = None) -> None:
        self._factories = dict(factories or ENGINE_FACTORIES)
        self._engines: dict[str, Engine] = {}
        self._lock = threading.Lock()

    @property
    def names(self) -> list[str]:
        return sorted(self._factories)

    def validate(self, name: str) -> str:
        if name not in self._factories:
            raise UnknownEngineError(name, self._factories)
        return name

    def get(self, name: str) -> Engine:
        self.validate(name)
        with self._lock:
            engine = self._engines.get(name)
            if engine is None:
                log.info("starting engine %r", name)
                engine = self._engines[name] = self._factories[name]()
            return engine

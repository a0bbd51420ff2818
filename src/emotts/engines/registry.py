"""Engines by name, created lazily once per server and shared by all requests."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import partial

from emotts.engines.base import Engine
from emotts.errors import EmottsError, UnknownEngineError
from emotts.settings import Settings

log = logging.getLogger(__name__)


def _preview(settings: Settings) -> Engine:
    from emotts.engines.preview.engine import PreviewEngine

    return PreviewEngine()


def _gptsovits(settings: Settings) -> Engine:
    from emotts.engines.gptsovits.engine import GptSovitsEngine, GsvEngineConfig

    if settings.pretrained_dir is None:
        raise EmottsError(
            "the gptsovits engine needs the GPT-SoVITS pretrained_models folder: pass --pretrained DIR "
            "or set EMOTTS_PRETRAINED_DIR"
        )
    return GptSovitsEngine(
        GsvEngineConfig(
            pretrained_dir=settings.pretrained_dir,
            gpt_path=settings.gpt,
            sovits_path=settings.sovits,
            cache_size=settings.model_cache_size,
            device=settings.device,
            g2pw_dir=settings.g2pw_dir,
        )
    )


def _upstream(settings: Settings) -> Engine:
    from emotts.engines.upstream import UpstreamEngine

    return UpstreamEngine.from_settings(settings)


ENGINE_FACTORIES: dict[str, Callable[[Settings], Engine]] = {
    "preview": _preview,
    "gptsovits": _gptsovits,
    "upstream": _upstream,
}


class EngineSet:
    """The engines a server uses; each is built on first use (model loading can be slow)."""

    def __init__(
        self, factories: dict[str, Callable[[], Engine]] | None = None, settings: Settings | None = None
    ) -> None:
        if factories is None:
            settings = settings or Settings()
            factories = {name: partial(make, settings) for name, make in ENGINE_FACTORIES.items()}
        self._factories = dict(factories)
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

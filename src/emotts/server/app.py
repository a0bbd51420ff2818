"""The FastAPI application: one router per API surface, state built in the lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from emotts import __version__
from emotts.engines.registry import EngineSet
from emotts.errors import EmottsError
from emotts.pipeline import SpeechPipeline
from emotts.roles.registry import RoleRegistry
from emotts.roles.selection import ClipSelector
from emotts.roles.watcher import RolesWatcher
from emotts.server.errors import install_error_handlers
from emotts.server.routers import api_v2, emotion, openai, roles, tts
from emotts.server.state import ServerState
from emotts.server.workers import SynthesisPool
from emotts.settings import Settings

log = logging.getLogger(__name__)


def check_settings(settings: Settings, engines: EngineSet) -> None:
    """Raise EmottsError when the server cannot start with these settings."""
    if not settings.roles_dir.is_dir():
        raise EmottsError(f"roles folder {settings.roles_dir} does not exist; create it or pass --roles DIR")
    engines.validate(settings.engine)


def build_state(settings: Settings, engines: EngineSet | None = None) -> ServerState:
    """Load roles and prepare engines."""
    engines = engines or EngineSet(settings=settings)
    check_settings(settings, engines)
    registry = RoleRegistry(settings.roles_dir)
    registry.reload()
    pipeline = SpeechPipeline(
        registry=registry,
        engines=engines,
        default_engine=settings.engine,
        selector=ClipSelector(settings.clip_policy, settings.clip_seed),
        sentence_pause=settings.sentence_pause,
    )
    watcher = RolesWatcher(registry) if settings.watch_roles else None
    return ServerState(
        settings, registry, pipeline, SynthesisPool(settings.workers, settings.queue_size), watcher
    )


def create_app(settings: Settings | None = None, engines: EngineSet | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = build_state(settings, engines)
        if state.watcher is not None:
            state.watcher.start()
        app.state.emotts = state
        log.info(
            "emotts %s serving %d role(s) from %s with the %s engine",
            __version__,
            len(state.registry.names()),
            settings.roles_dir,
            settings.engine,
        )
        try:
            yield
        finally:
            state.close()

    app = FastAPI(
        title="emotts",
        version=__version__,
        summary="Emotion-aware text-to-speech for GPT-SoVITS character voices",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.include_router(tts.router)
    app.include_router(api_v2.router)
    app.include_router(roles.router)
    app.include_router(emotion.router)
    app.include_router(openai.router)
    return app

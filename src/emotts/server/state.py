"""What a running server holds, built once at start-up and reached by routes through a dependency."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from emotts.engines.base import Reference
from emotts.pipeline import SpeechPipeline
from emotts.roles.registry import RoleRegistry
from emotts.roles.watcher import RolesWatcher
from emotts.server.workers import SynthesisPool
from emotts.settings import Settings


@dataclass
class ServerState:
    settings: Settings
    registry: RoleRegistry
    pipeline: SpeechPipeline
    pool: SynthesisPool
    watcher: RolesWatcher | None = None
    # api_v2's /set_refer_audio: the clip used when a request names none (replaced whole, never mutated)
    default_reference: Reference | None = None
    switch_lock: threading.Lock = field(default_factory=threading.Lock)  # one weight switch at a time

    @property
    def roots(self) -> tuple[Path, ...]:
        """Folders whose files requests may name."""
        return (self.settings.roles_dir, *self.settings.model_dirs)

    def close(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
        self.pool.shutdown()


def get_state(request: Request) -> ServerState:
    return request.app.state.emotts


State = Annotated[ServerState, Depends(get_state)]

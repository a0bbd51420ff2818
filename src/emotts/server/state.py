"""What a running server holds, built once at start-up and reached by routes through a dependency."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

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

    def close(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
        self.pool.shutdown()


def get_state(request: Request) -> ServerState:
    return request.app.state.emotts


State = Annotated[ServerState, Depends(get_state)]

"""Shared fixtures: a roles folder with generated clips, a real uvicorn server on loopback, tiny BERTs."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import uvicorn

from emotts.engines.registry import EngineSet
from emotts.server.app import create_app
from emotts.settings import Settings

from role_folders import make_role

if TYPE_CHECKING:
    from bert_models import TinyBert

DEMO_CLIPS = {"中性": "今天天气不错。", "愤怒": "你怎么又迟到了", "高兴": "太好了我们出发吧"}


@pytest.fixture
def roles_dir(tmp_path: Path) -> Path:
    root = tmp_path / "roles"
    make_role(root, "demo", DEMO_CLIPS)
    make_role(root, "other", {"悲伤": "我好难过"})
    return root


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(settings: Settings, engines: EngineSet | None = None) -> Iterator[str]:
    """Run the app under a real uvicorn in a thread; yields its base URL."""
    config = uvicorn.Config(
        create_app(settings, engines),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://{settings.host}:{settings.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


ServerFactory = Callable[..., Any]


@pytest.fixture
def live_server(roles_dir: Path) -> Iterator[ServerFactory]:
    """Call with Settings overrides (and `engines=`) to start a server; all are stopped at teardown."""
    stack: list[Any] = []

    def start(engines: EngineSet | None = None, **overrides: Any) -> str:
        values = {"roles_dir": roles_dir, "host": "127.0.0.1", "port": _free_port(), "watch_roles": False}
        values.update(overrides)
        context = serve(Settings(**values), engines)
        stack.append(context)
        return context.__enter__()

    yield start
    for context in reversed(stack):
        context.__exit__(None, None, None)


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> TinyBert:
    """Tiny random BERT models (see bert_models), built once per test run."""
    import torch

    from bert_models import build_tiny_bert  # imported here: torch loads only when a test needs a model

    # Tiny models gain nothing from threads, and on a busy machine spinning threads stall each step 40x.
    torch.set_num_threads(1)
    return build_tiny_bert(tmp_path_factory.mktemp("tiny_bert"))

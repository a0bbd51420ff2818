"""Shared fixtures: role folders with generated clips, and a real uvicorn server on loopback."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
import uvicorn

from emotts.engines.registry import EngineSet
from emotts.server.app import create_app
from emotts.settings import Settings


def write_tone(
    path: Path, seconds: float = 4.0, freq: float = 180.0, rate: int = 16000, channels: int = 1
) -> Path:
    """A voiced-like harmonic tone, so pitch trackers find `freq`."""
    t = np.arange(int(seconds * rate)) / rate
    wave = sum(np.sin(2 * np.pi * freq * k * t) / k for k in range(1, 5)) * 0.2
    data = np.stack([wave] * channels, axis=1) if channels > 1 else wave
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, data, rate, subtype="PCM_16")
    return path


def make_role(
    root: Path,
    name: str = "demo",
    emotions: dict[str, str] | None = None,
    **config: Any,
) -> Path:
    """A role folder: default clip, one clip per emotion (folder → transcript), config.json."""
    folder = root / name
    write_tone(folder / "default.wav", freq=170)
    clips = (
        {"中性": "今天天气不错。", "愤怒": "你怎么又迟到了", "高兴": "太好了我们出发吧"}
        if emotions is None
        else emotions
    )
    for index, (emotion, transcript) in enumerate(clips.items()):
        write_tone(folder / "refAudio" / emotion / f"{transcript}.wav", freq=150 + 20 * index)
    body = {"ref_audio": "default.wav", "ref_text": "这是默认的参考音频。", "ref_lang": "zh", **config}
    (folder / "config.json").write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")
    return folder


@pytest.fixture
def roles_dir(tmp_path: Path) -> Path:
    root = tmp_path / "roles"
    make_role(root, "demo")
    make_role(root, "other", emotions={"悲伤": "我好难过"})
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

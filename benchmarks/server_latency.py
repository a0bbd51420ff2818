"""Latency of the role contract on the preview engine: POST /tts alone, and GET /running under load.

    python benchmarks/server_latency.py [--requests 40] [--concurrency 8]

Starts a real server (uvicorn, loopback) on the example roles and prints a table.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import uvicorn
from rich.console import Console
from rich.table import Table

from emotts.server.app import create_app
from emotts.settings import Settings

ROLES = Path(__file__).resolve().parents[1] / "examples" / "roles"
LINES = [
    "哼，你怎么又迟到了！",
    "今天真是太开心了！",
    "呜呜，我的小猫走丢了……",
    "诶？这是什么意思？",
    "明天上午十点开会。",
]


def _percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))], ordered[-1]


def _start(port: int, workers: int) -> tuple[uvicorn.Server, threading.Thread]:
    settings = Settings(roles_dir=ROLES, port=port, workers=workers, queue_size=256, watch_roles=False)
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    return server, thread


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server, thread = _start(port, args.workers)
    url = f"http://127.0.0.1:{port}"
    http = httpx.Client(base_url=url, timeout=120)

    def tts(index: int) -> float:
        start = time.perf_counter()
        response = http.post("/tts", json={"text": LINES[index % len(LINES)], "role": "demo"})
        response.raise_for_status()
        return time.perf_counter() - start

    tts(0)  # warm-up: engine start and pitch calibration
    sequential = [tts(i) for i in range(args.requests)]

    running: list[float] = []
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        futures = [pool.submit(tts, i) for i in range(args.requests)]
        while not all(future.done() for future in futures):
            start = time.perf_counter()
            http.get("/running").raise_for_status()
            running.append(time.perf_counter() - start)
            time.sleep(0.01)
        loaded = [future.result() for future in futures]
    server.should_exit = True
    thread.join()

    table = Table(title=f"emotts role contract, preview engine, {args.workers} workers")
    for column in ("measurement", "n", "median ms", "p95 ms", "max ms"):
        table.add_column(column, justify="right" if column != "measurement" else "left")
    for name, samples in (
        ("POST /tts, one at a time", sequential),
        (f"POST /tts, {args.concurrency} concurrent", loaded),
        ("GET /running during that load", running),
    ):
        median, p95, worst = _percentiles(samples)
        table.add_row(
            name, str(len(samples)), f"{median * 1e3:.1f}", f"{p95 * 1e3:.1f}", f"{worst * 1e3:.1f}"
        )
    Console().print(table)


if __name__ == "__main__":
    main()

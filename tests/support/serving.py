"""The app under uvicorn on a free loopback port, as `ecabinet serve` runs it, in a thread
with its own event loop: for the tests that talk to a real server (websockets, browsers)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from ecabinet.serving import uvicorn_options
from ecabinet.settings import load_settings


@dataclass
class Served:
    port: int
    loop: asyncio.AbstractEventLoop


@contextmanager
def serving(
    build: Callable[[int], ASGIApp],
    *,
    after: Callable[[], Coroutine[Any, Any, None]] | None = None,
) -> Iterator[Served]:
    """Serve the app that ``build(port)`` makes; ``after()`` runs on the server's loop once
    it has stopped (to close what the test gave the app)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    # The protocol-level limits of `ecabinet serve` (default settings: no trusted proxy).
    config = uvicorn.Config(
        build(port),
        log_level="warning",
        lifespan="on",
        ws="websockets-sansio",
        http="h11",
        timeout_graceful_shutdown=2,
        **uvicorn_options(load_settings(environ={})),
    )
    server = uvicorn.Server(config)
    loops: list[asyncio.AbstractEventLoop] = []

    def serve() -> None:
        with asyncio.Runner() as runner:
            loops.append(runner.get_loop())
            runner.run(server.serve([listener]))
            if after is not None:
                runner.run(after())

    thread = threading.Thread(target=serve, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started, "the server did not start"
    try:
        yield Served(port, loops[0])
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()

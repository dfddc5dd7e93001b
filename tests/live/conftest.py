"""A real server for the websocket tests: the app under uvicorn (websockets on, per-message
compression off, as `ecabinet serve` runs it) in a thread with its own event loop and
its own database connections; the tests talk to it over loopback like tablets do."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

from ecabinet.app import create_app
from ecabinet.settings import Settings

from ..support.factories import Seat
from ..support.live import Tablet, live_settings, tablet
from ..support.serving import serving


@dataclass
class Server:
    settings: Settings
    port: int

    @property
    def origin(self) -> str:
        return self.settings.origin

    def socket(self, token: str | None, *, origin: str | None = None) -> Any:
        headers = {"Cookie": f"ecab_session={token}; ecab_lang=en"} if token else {}
        return connect(
            f"ws://localhost:{self.port}/ws",
            origin=Origin(origin or self.origin),
            additional_headers=headers,
            compression=None,
            open_timeout=5,
            proxy=None,
        )


@pytest.fixture
def server(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Server]:
    # A test may ask for a slower heartbeat (indirect parametrization) to prove that
    # something other than the heartbeat's sweep closed a socket.
    heartbeat = int(getattr(request, "param", 1))
    made: list[Settings] = []

    def build(port: int) -> ASGIApp:
        made.append(live_settings(database_url, tmp_path, port, heartbeat))
        return create_app(made[0])

    with serving(build) as served:
        yield Server(made[0], served.port)


@pytest.fixture
async def tablets() -> AsyncIterator[list[Tablet]]:
    """The tablets a test makes (in process or on the live server), closed after it."""
    made: list[Tablet] = []
    yield made
    for one in made:
        await one.client.aclose()


async def real_tablet(server: Server, seat: Seat, made: list[Tablet]) -> Tablet:
    one = await tablet(httpx.AsyncHTTPTransport(), server.origin, server.settings, seat)
    made.append(one)
    return one


def token_of(one: Tablet) -> str:
    return str(one.client.cookies["ecab_session"])


async def frame(
    ws: ClientConnection,
    kind: str | None = None,
    *,
    within: float = 5.0,
    skip: tuple[str, ...] = ("ping", "event"),
) -> dict[str, Any]:
    """The next message (of ``kind``), answering heartbeats on the way."""
    import json

    deadline = time.monotonic() + within
    while True:
        left = deadline - time.monotonic()
        assert left > 0, f"no {kind or 'message'} within {within}s"
        message = json.loads(await asyncio.wait_for(ws.recv(), left))
        if message["type"] == "ping":
            await ws.send('{"type":"pong"}')
        if kind is None and message["type"] not in skip:
            return dict(message)
        if message["type"] == kind:
            return dict(message)

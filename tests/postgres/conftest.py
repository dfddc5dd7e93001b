"""Real server processes (uvicorn subprocesses on free loopback ports) sharing one
PostgreSQL database, as in production behind nginx, and tablets that follow a meeting
over /ws and move to another process when theirs dies."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from ecabinet.settings import Settings

PROJECT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Process:
    port: int
    environment: dict[str, str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def start(self) -> None:
        self.spawn()
        self.wait_ready()

    def spawn(self) -> None:
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "ecabinet.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--ws",
            "websockets-sansio",
            "--ws-per-message-deflate",
            "false",
            "--log-level",
            "warning",
            "--timeout-graceful-shutdown",
            "2",
            # As behind nginx's upstream keepalive: a client reusing a connection
            # must not race the server closing it after uvicorn's default 5 s.
            "--timeout-keep-alive",
            "60",
        ]
        with self.log.open("ab") as log:
            self.popen = subprocess.Popen(
                command, cwd=PROJECT, env=self.environment, stdout=log, stderr=subprocess.STDOUT
            )

    def wait_ready(self) -> None:
        assert self.popen is not None
        # Generous: several processes importing at once on a busy 2-core machine.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.popen.poll() is None, self.log.read_text()
            try:
                if httpx.get(self.url + "/readyz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"server on {self.port} did not start: {self.log.read_text()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no cleanup, sockets cut mid-flight."""
        assert self.popen is not None
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def processes(database_url: str, settings: Settings, tmp_path: Path) -> Iterator[list[Process]]:
    """Two server processes; the public origin is the one the browsers use (nginx's)."""
    environment = {
        **os.environ,
        "ECABINET_DATABASE_URL": database_url,
        "ECABINET_DATA_DIR": str(tmp_path / "data"),
        "ECABINET_ORIGIN": settings.origin,
        "ECABINET_SESSION_SECRET": settings.session_secret,
        "ECABINET_WS_HEARTBEAT_SECONDS": "1",
        "ECABINET_PRESENCE_GRACE_SECONDS": "30",
        "ECABINET_SWEEP_SECONDS": "0",
        "ECABINET_LOG_LEVEL": "warning",
    }
    made = [Process(free_port(), environment, tmp_path / f"server-{n}.log") for n in (1, 2)]
    try:
        for process in made:
            process.spawn()  # both import at once: start-up is most of these tests' time
        for process in made:
            process.wait_ready()
        yield made
    finally:
        for process in made:
            process.stop()


@dataclass
class Follower:
    """A tablet's live view of one meeting, as static/js/live.js keeps it: numbered
    messages, a snapshot on (re)connection or on a gap, and another server when its own
    goes away."""

    origin: str
    token: str
    meeting: int
    servers: list[Process]
    last: int = -1
    cast: int | None = None
    state: dict[str, Any] = field(default_factory=dict)
    connected_to: Process | None = None
    reconnections: int = 0
    _socket: ClientConnection | None = None
    _task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        attempt = 0
        while True:
            server = self.servers[attempt % len(self.servers)]
            attempt += 1
            with contextlib.suppress(OSError, ConnectionClosed, TimeoutError):
                await self._follow(server)
            self.connected_to = None
            self.reconnections += 1
            await asyncio.sleep(0.2)

    async def _follow(self, server: Process) -> None:
        async with connect(
            server.ws_url,
            origin=Origin(self.origin),
            proxy=None,
            additional_headers={"Cookie": f"ecab_session={self.token}"},
            compression=None,
            open_timeout=3,
        ) as ws:
            self.connected_to = server
            await ws.send(json.dumps({"type": "watch", "meeting": self.meeting}))
            async for raw in ws:
                await self._receive(ws, server, json.loads(raw))

    async def _receive(
        self, ws: ClientConnection, server: Process, message: dict[str, Any]
    ) -> None:
        kind = message["type"]
        if kind == "ping":
            await ws.send('{"type":"pong"}')
        elif kind in ("watching", "resync"):
            await self._snapshot(server)
        elif kind == "state" and message["seq"] > self.last:
            self._apply(message["state"], message["seq"])
        elif kind == "tally" and message["seq"] > self.last:
            if message["prev"] > self.last:
                await self._snapshot(server)
            else:
                self.last, self.cast = message["seq"], message["cast"]

    async def _snapshot(self, server: Process) -> None:
        async with httpx.AsyncClient(
            base_url=server.url, cookies={"ecab_session": self.token}
        ) as http:
            answer = await http.get(f"/api/meetings/{self.meeting}/session")
        answer.raise_for_status()
        snapshot = answer.json()
        if snapshot["seq"] >= self.last:
            self._apply(snapshot, snapshot["seq"])

    def _apply(self, state: dict[str, Any], seq: int) -> None:
        self.state, self.last = state, seq
        self.cast = None if state["poll"] is None else state["poll"]["cast"]


async def eventually(test: Any, within: float = 10.0, what: str = "") -> None:
    deadline = time.monotonic() + within
    while not test():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)

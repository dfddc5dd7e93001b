"""Real server processes (uvicorn subprocesses on free loopback ports) sharing one
PostgreSQL database, as in production behind nginx, and tablets that follow a meeting
over /ws and move to another process when theirs dies: the kit of tests/postgres and
tests/faults."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException
from websockets.typing import Origin

PROJECT = Path(__file__).resolve().parents[2]


def server_environment(
    database_url: str, data_dir: Path, *, origin: str, session_secret: str, **more: str
) -> dict[str, str]:
    """The environment of a test's server process: this one's, with the shared database,
    files, origin and secret, a quick heartbeat, no sweeper (the tests drive time), quiet
    logs; ``more`` sets or overrides settings by their variable name."""
    return {
        **os.environ,
        "ECABINET_DATABASE_URL": database_url,
        "ECABINET_DATA_DIR": str(data_dir),
        "ECABINET_ORIGIN": origin,
        "ECABINET_SESSION_SECRET": session_secret,
        "ECABINET_WS_HEARTBEAT_SECONDS": "1",
        "ECABINET_PRESENCE_GRACE_SECONDS": "30",
        "ECABINET_SWEEP_SECONDS": "0",
        "ECABINET_LOG_LEVEL": "warning",
        **more,
    }


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


@dataclass
class Follower:
    """A tablet's live view of one meeting, as static/js/live.js keeps it: numbered
    messages, a snapshot on (re)connection or on a gap, and another server when its own
    goes away. Like the tablet it never gives up: a snapshot that fails (a 5xx, a request
    cut or timed out) is asked again after a pause, a refused or lost connection is made
    again, and what went wrong is kept in ``errors`` for the test's message. Like a
    browser it sends no websocket pings of its own (it answers the server's)."""

    origin: str
    token: str
    meeting: int
    servers: list[Process]
    last: int = -1
    cast: int | None = None
    state: dict[str, Any] = field(default_factory=dict)
    connected_to: Process | None = None
    reconnections: int = 0
    errors: list[str] = field(default_factory=list)
    # When each numbered frame was pushed to it (monotonic time, seq), applied or not.
    pushed: list[tuple[float, int]] = field(default_factory=list)
    _socket: ClientConnection | None = None
    _task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def __str__(self) -> str:
        at = None if self.connected_to is None else self.connected_to.port
        return (
            f"follower at seq {self.last}, cast {self.cast}, on {at}, "
            f"{self.reconnections} reconnections, last errors {self.errors[-3:]}"
        )

    async def _run(self) -> None:
        attempt = 0
        while True:
            server = self.servers[attempt % len(self.servers)]
            attempt += 1
            try:
                await self._follow(server)
            except (OSError, TimeoutError, WebSocketException, httpx.HTTPError) as error:
                self.errors.append(f"{server.port}: {error!r}"[:300])
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
            ping_interval=None,
        ) as ws:
            self.connected_to = server
            await ws.send(json.dumps({"type": "watch", "meeting": self.meeting}))
            async for raw in ws:
                await self._receive(ws, server, json.loads(raw))

    async def _receive(
        self, ws: ClientConnection, server: Process, message: dict[str, Any]
    ) -> None:
        kind = message["type"]
        if kind in ("state", "tally", "presence"):
            self.pushed.append((time.monotonic(), message["seq"]))
        if kind == "ping":
            await ws.send('{"type":"pong"}')
        elif kind in ("watching", "resync"):
            await self._snapshot(server)
        elif kind == "state" and message["seq"] > self.last:
            self._apply(message["state"], message["seq"])
        elif kind in ("tally", "presence") and message["seq"] > self.last:
            if message["prev"] > self.last:
                await self._snapshot(server)
                return
            self.last = message["seq"]
            if kind == "tally":
                self.cast = message["cast"]
            elif message["poll"] is not None:  # a presence change moves the vote's counts
                self.cast = message["poll"]["cast"]

    async def _snapshot(self, server: Process) -> None:
        """As live.js does: asked again until answered (after Retry-After, else 1 s)."""
        async with httpx.AsyncClient(
            base_url=server.url, cookies={"ecab_session": self.token}, timeout=10
        ) as http:
            while True:
                pause = 1.0
                try:
                    answer = await http.get(f"/api/meetings/{self.meeting}/session")
                    if answer.status_code == 200:
                        break
                    self.errors.append(f"snapshot {answer.status_code}: {answer.text[:200]}")
                    pause = float(answer.headers.get("Retry-After", pause))
                except httpx.TransportError as error:
                    self.errors.append(f"snapshot: {error!r}"[:300])
                await asyncio.sleep(pause)
        snapshot = answer.json()
        if snapshot["seq"] >= self.last:
            self._apply(snapshot, snapshot["seq"])

    def _apply(self, state: dict[str, Any], seq: int) -> None:
        self.state, self.last = state, seq
        self.cast = None if state["poll"] is None else state["poll"]["cast"]


async def eventually(
    test: Any, within: float = 10.0, what: str = "", followers: Sequence[Follower] = ()
) -> None:
    """``followers``: described in the message if the wait times out."""
    deadline = time.monotonic() + within
    while not test():
        if time.monotonic() >= deadline:
            seen = "".join(f"\n  {one}" for one in followers)
            raise AssertionError(f"timed out waiting for {what}{seen}")
        await asyncio.sleep(0.05)

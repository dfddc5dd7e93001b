"""Tablets, servers and measurements for bench_live.py.

A tablet is a websocket client that keeps the highest count it has seen for the vote
under way; the ``Arrivals`` board records the moment the last tablet reached each count
(a coalesced message may jump several counts at once: reaching 7 means having 7 or more).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parents[1]
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    """A uvicorn subprocess, run as `ecabinet serve` runs it."""

    app: str
    environment: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    popen: subprocess.Popen[bytes] | None = None
    workers: int = 1

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            self.app,
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--ws",
            "websockets-sansio",
            "--ws-per-message-deflate",
            "false",
            "--log-level",
            "warning",
            "--no-access-log",
            "--backlog",
            "4096",
            "--timeout-keep-alive",
            "60",
        ]
        if self.app.endswith("create_app"):
            command.append("--factory")
        if self.workers > 1:
            command += ["--workers", str(self.workers)]
        with self.log.open("ab") as log:
            self.popen = subprocess.Popen(
                command, cwd=ROOT, env=self.environment, stdout=log, stderr=subprocess.STDOUT
            )

    def cpu_seconds(self) -> float:
        """User + system CPU of the server: with --workers, of its worker processes too."""
        assert self.popen is not None
        return sum(_cpu_ticks(pid) for pid in _tree(self.popen.pid)) / TICKS

    def rss_bytes(self) -> int:
        assert self.popen is not None
        return int(Path(f"/proc/{self.popen.pid}/statm").read_text().split()[1]) * PAGE

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()


def _tree(pid: int) -> list[int]:
    pids, index = [pid], 0
    while index < len(pids):
        for task in Path(f"/proc/{pids[index]}/task").iterdir():
            with contextlib.suppress(OSError):
                pids += [int(c) for c in (task / "children").read_text().split()]
        index += 1
    return pids


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


class Arrivals:
    """When did the last of ``tablets`` tablets reach each count?"""

    def __init__(self, tablets: int) -> None:
        self.tablets = tablets
        self.reached: dict[int, int] = {}
        self.complete: dict[int, float] = {}
        self.waiting: dict[int, asyncio.Event] = {}

    def moved(self, before: int, after: int, at: float) -> None:
        for count in range(before + 1, after + 1):
            reached = self.reached.get(count, 0) + 1
            self.reached[count] = reached
            if reached == self.tablets:
                self.complete[count] = at
                event = self.waiting.get(count)
                if event is not None:
                    event.set()

    async def all_at(self, count: int, within: float) -> float:
        if count not in self.complete:
            event = self.waiting.setdefault(count, asyncio.Event())
            try:
                await asyncio.wait_for(event.wait(), within)
            except TimeoutError:
                print(
                    f"count {count}: {self.reached.get(count, 0)} of {self.tablets} tablets",
                    file=sys.stderr,
                )
                raise
        return self.complete[count]


@dataclass
class Tablet:
    token: str | None
    meeting: int | None
    board: Arrivals | None = None
    poll: int | None = None
    best: int = -1
    frames: list[str] = field(default_factory=list)  # kept only for the slow tablet
    keep: bool = False
    socket: ClientConnection | None = None
    task: asyncio.Task[None] | None = None
    resync: Any = None  # async (token, meeting) -> snapshot, for "resync" messages
    early: dict[int, tuple[int, float]] = field(default_factory=dict)
    resyncs: int = 0
    closed: tuple[float, int | None, str] | None = None  # when, close code, reason

    async def open(self, url: str, origin: str, *, stalled: bool = False) -> None:
        headers = {"Cookie": f"ecab_session={self.token}"} if self.token else {}
        sock = None
        if stalled:
            # A tablet that stops reading: a tiny receive window fills at once.
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.connect((HOST, int(url.rsplit(":", 1)[1].split("/")[0])))
        self.socket = await connect(
            url,
            origin=Origin(origin),
            additional_headers=headers,
            compression=None,
            proxy=None,
            open_timeout=30,
            ping_interval=None,
            sock=sock,
            # A stalled tablet's client stops reading its socket too.
            max_queue=1 if stalled else None,
        )
        if self.meeting is not None:
            await self.socket.send(json.dumps({"type": "watch", "meeting": self.meeting}))
            while json.loads(await self.socket.recv())["type"] != "watching":
                pass
        if not stalled:
            self.task = asyncio.get_running_loop().create_task(self._read())

    def follow(self, board: Arrivals, poll: int | None) -> None:
        self.board, self.poll, self.best = board, poll, -1
        # The poll may have reached this tablet before the bench learnt its number.
        early = self.early.get(poll) if poll is not None else None
        if early is not None:
            board.moved(-1, early[0], early[1])
            self.best = early[0]

    async def _read(self) -> None:
        assert self.socket is not None
        with contextlib.suppress(ConnectionClosed):
            async for raw in self.socket:
                at = time.perf_counter()
                if self.keep:
                    self.frames.append(str(raw))
                self._count(json.loads(raw), at)
        # The server closed it (or the connection was lost): remember how, for the report.
        self.closed = (time.monotonic(), self.socket.close_code, self.socket.close_reason or "")

    def _count(self, message: dict[str, Any], at: float) -> None:
        kind = message["type"]
        if kind == "resync" and self.resync is not None:
            # As live.js does: the server dropped this tablet's backlog; fetch a snapshot.
            self.resyncs += 1
            asyncio.get_running_loop().create_task(self._resync(self.resync))
            return
        if kind == "tally" and message.get("poll", self.poll) == self.poll:
            cast = message["cast"]
        elif kind == "state" and message["state"]["poll"] is not None:
            poll = message["state"]["poll"]
            if poll["id"] != self.poll:
                self.early[poll["id"]] = (poll["cast"], at)
                return
            cast = poll["cast"]
        elif kind == "ping":
            if self.socket is not None:
                asyncio.get_running_loop().create_task(self.socket.send('{"type":"pong"}'))
            return
        else:
            return
        if self.board is not None and cast > self.best:
            self.board.moved(self.best, cast, at)
            self.best = cast

    async def _resync(self, fetch: Any) -> None:
        snapshot = await fetch(self.token, self.meeting)
        poll = snapshot.get("poll")
        if poll is not None and poll["id"] == self.poll and snapshot["seq"] >= 0:
            self._count({"type": "state", "state": snapshot}, time.perf_counter())

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()
        if self.task is not None:
            await asyncio.gather(self.task, return_exceptions=True)


async def open_all(tablets: list[Tablet], url: str, origin: str, batch: int = 100) -> None:
    for start in range(0, len(tablets), batch):
        await asyncio.gather(*(t.open(url, origin) for t in tablets[start : start + batch]))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


async def wait_until_up(url: str, *, within: float = 60, every: float = 0.2) -> None:
    """Until ``url`` answers 200 (a server starting up); fails after ``within`` seconds."""
    async with httpx.AsyncClient() as http:
        deadline = time.monotonic() + within
        while True:
            try:
                if (await http.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"{url} did not come up"
            await asyncio.sleep(every)

"""PostgreSQL LISTEN/NOTIFY: how a commit in one server process reaches the tablets
connected to every other one.

One dedicated connection per process listens on the channel. PostgreSQL delivers a
notification only after its transaction commits, and in commit order. If the listening
connection drops, notifications sent meanwhile are lost to this process: it reconnects
and tells its tablets to resync.

While it is down the process is not ready (``/readyz`` says so, and asks it to try again
at once), so that once ``/readyz`` answers 200 after a database restart every commit
reaches this process's tablets again: a ballot cast then is pushed to them within
milliseconds, not at their next resync.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.engine import make_url

from ..events import Event
from .outbox import CHANNEL, decode

log = logging.getLogger(__name__)
# Between attempts to listen again: jittered, so that the processes of a deployment do
# not all knock at the restarted database at the same instant. /readyz cuts a wait short.
RETRY_SECONDS = 1.0
CONNECT_SECONDS = 10.0


def asyncpg_arguments(url: str) -> dict[str, Any]:
    """asyncpg.connect's arguments, read from the URL as the pool reads it, so that a
    multi-host URL (`?host=a:5432&host=b:5432&target_session_attrs=primary`) makes the
    listener follow a failover to the promoted primary just as the pool does."""
    dialect = PGDialect_asyncpg()  # type: ignore[no-untyped-call]
    _args, arguments = dialect.create_connect_args(make_url(url))  # type: ignore[no-untyped-call]
    return dict(arguments)


class PgListener:
    def __init__(
        self, url: str, on_event: Callable[[Event], None], on_gap: Callable[[], None]
    ) -> None:
        self.arguments = asyncpg_arguments(url)
        # A host that does not answer at all (a failed primary) must not hold the next
        # attempt for asyncpg's default minute.
        self.arguments.setdefault("timeout", CONNECT_SECONDS)
        self.on_event = on_event
        self.on_gap = on_gap
        self.connection: Any = None
        self.lost = asyncio.Event()
        self.wake = asyncio.Event()
        self.connected = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        # The first connection is made before the server accepts anyone, so a process
        # that cannot listen fails at start-up rather than serving stale tablets.
        await self._connect()
        self.task = asyncio.get_running_loop().create_task(self._keep())

    def listening(self) -> bool:
        """Connected now: every commit from here on reaches this process."""
        return (
            not self.lost.is_set()
            and self.connection is not None
            and not self.connection.is_closed()
        )

    def nudge(self) -> None:
        """Try to listen again now rather than at the end of the current pause."""
        self.wake.set()

    async def until_listening(self, seconds: float) -> None:
        """Return once this process listens, trying again at once if it does not; raise
        TimeoutError after ``seconds``."""
        if self.listening():
            return
        self.nudge()
        async with asyncio.timeout(seconds):
            await self.connected.wait()

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
        if self.connection is not None and not self.connection.is_closed():
            await self.connection.close()

    async def _connect(self) -> None:
        self.lost.clear()
        connection = await asyncpg.connect(**self.arguments)
        try:
            connection.add_termination_listener(lambda _connection: self._lose())
            await connection.add_listener(CHANNEL, self._heard)
        except BaseException:
            connection.terminate()
            raise
        self.connection = connection
        self.connected.set()

    def _lose(self) -> None:
        self.connected.clear()
        self.lost.set()

    def _heard(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            event = decode(payload)
        except (ValueError, KeyError):
            log.warning("unreadable live notification: %.200s", payload)
            return
        self.on_event(event)

    async def _keep(self) -> None:
        while True:
            await self.lost.wait()
            log.warning("lost the LISTEN connection; reconnecting")
            while True:
                self.wake.clear()
                try:
                    await self._connect()
                    break
                except Exception as error:
                    # Refused, starting up, a standby not yet promoted, a timeout...
                    log.info("cannot listen yet: %r", error)
                pause = RETRY_SECONDS * random.uniform(0.5, 1.0)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(pause):
                        await self.wake.wait()
            self.on_gap()

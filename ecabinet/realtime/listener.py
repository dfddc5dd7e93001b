"""PostgreSQL LISTEN/NOTIFY: how a commit in one server process reaches the tablets
connected to every other one.

One dedicated connection per process listens on the channel. PostgreSQL delivers a
notification only after its transaction commits, and in commit order. If the listening
connection drops, notifications sent meanwhile are lost to this process: it reconnects
and tells its tablets to resync.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.engine import make_url

from ..events import Event
from .outbox import CHANNEL, decode

log = logging.getLogger(__name__)
RETRY_SECONDS = 1.0


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
        self.on_event = on_event
        self.on_gap = on_gap
        self.connection: Any = None
        self.lost = asyncio.Event()
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

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
        if self.connection is not None and not self.connection.is_closed():
            await self.connection.close()

    async def _connect(self) -> None:
        self.lost.clear()
        connection = await asyncpg.connect(**self.arguments)
        connection.add_termination_listener(lambda _connection: self.lost.set())
        await connection.add_listener(CHANNEL, self._heard)
        self.connection = connection

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
                try:
                    await self._connect()
                    break
                except (OSError, asyncpg.PostgresError):
                    await asyncio.sleep(RETRY_SECONDS)
            self.on_gap()

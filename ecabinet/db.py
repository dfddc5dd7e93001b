"""Engines, sessions, and the transaction scope that publishes events on commit."""

from __future__ import annotations

import asyncio
import time
import uuid
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, NoReturn

from sqlalchemy import event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from . import audit
from .errors import EcabinetError
from .events import Event, EventBus
from .sqlite_driver import OneTripDbapi

CONNECT_SECONDS = 5
# How long SQLite itself waits for another connection's write lock (PRAGMA busy_timeout).
SQLITE_BUSY_MS = 30_000
# How long a writer waits for its turn in this process's queue (below) before it asks
# SQLite for the lock anyway, as it did before there was a queue.
WRITE_TURN_SECONDS = 120


def make_engine(url: str, *, pool_size: int = 5, max_overflow: int = 5) -> AsyncEngine:
    if url.startswith("sqlite"):
        # One trip to the connection's thread per statement, not four (sqlite_driver.py).
        engine = create_async_engine(
            url, connect_args={"timeout": SQLITE_BUSY_MS / 1000}, module=OneTripDbapi()
        )
        _tune_sqlite(engine)
        return engine
    # The pool's bounds are settings: all processes together must fit in what PostgreSQL
    # allows (operations/connections.py checks it before serving).
    # A connection attempt gives up after a few seconds (asyncpg waits 60 by default):
    # while the database restarts or fails over, requests answer 503 quickly instead of
    # piling up.
    connect_args: dict[str, Any] = {"timeout": CONNECT_SECONDS}
    if behind_pgbouncer(url):
        connect_args.update(TRANSACTION_POOLING)
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=10,
        connect_args=connect_args,
    )
    _check_on_checkout(engine)
    return engine


# A pooled connection idle for longer than this is pinged before it is handed out.
PING_IDLE_SECONDS = 10.0


def _check_on_checkout(engine: AsyncEngine) -> None:
    """What ``pool_pre_ping`` was for, without its round trips on every checkout.

    SQLAlchemy's pre-ping costs three round trips on asyncpg (BEGIN, an empty statement,
    ROLLBACK) each time a connection leaves the pool: under 50 tablets downloading, most
    of the pool's time. A connection the server closed (a restart, a failover, a killed
    backend) is already known closed to asyncpg, which read the server's goodbye: it and
    every connection pooled before it are replaced, with no round trip. Only a connection
    that sat idle long enough for something silent (a reboot without a goodbye, a
    firewall's idle cut) to have happened is pinged, as before."""
    dialect = engine.sync_engine.dialect

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if dbapi_connection.driver_connection.is_closed():
            raise exc.InvalidatePoolError("the database closed the connection")
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_IDLE_SECONDS:
            return  # just connected, or in use a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise exc.InvalidatePoolError("the idle connection did not answer") from error
            raise


def behind_pgbouncer(url: str) -> bool:
    """The URL says so as SQLAlchemy's documentation does for PgBouncer:
    ``?prepared_statement_cache_size=0``."""
    return make_url(url).query.get("prepared_statement_cache_size") == "0"


# PgBouncer in transaction pooling gives each transaction whichever server connection is
# free, so a statement prepared on one is unknown on the next, and asyncpg's numbered
# names (__asyncpg_stmt_1__) collide between clients. No statement is cached, and the ones
# that must be prepared for one transaction get names nobody else uses.
TRANSACTION_POOLING: dict[str, Any] = {
    "statement_cache_size": 0,
    "prepared_statement_name_func": lambda: f"__asyncpg_{uuid.uuid4().hex}__",
}


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # Foreign keys are off by default in SQLite; WAL lets readers run beside a writer.
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cursor.close()
        # Let SQLAlchemy, not the driver, emit BEGIN, so writers can ask for IMMEDIATE.
        dbapi_connection.isolation_level = None

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A write transaction takes the write lock up front: a deferred one that reads
        # first and writes later can fail with "database is locked" when another
        # writer got there in between.
        if connection.get_execution_options().get("sqlite_immediate"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


@dataclass
class Tx:
    """One unit of work: a session plus the events it will publish if it commits."""

    session: AsyncSession
    events: list[Event] = field(default_factory=list)
    refused: EcabinetError | None = None

    def emit(self, event: Event) -> None:
        self.events.append(event)

    async def refuse(
        self, error: EcabinetError, *, actor_id: int | None = None, subject: str = "", **data: Any
    ) -> NoReturn:
        """Refuse, on the record: the audit event and what the transaction did so far (a
        burned challenge, a flagged credential) commit together, and its events are sent
        as after any commit. Any other error rolls everything back.

        A refusal that names nobody (a guessed link, a stranger's 429) costs an attacker
        nothing to repeat: it is left to the error handler, which counts such refusals
        instead of writing each one to the chain (web/refusals.py)."""
        if actor_id is None and not subject.startswith("person:"):
            error.anonymous_audit = {"subject": subject, **data}
        else:
            await audit.refusal(self.session, error, actor_id=actor_id, subject=subject, **data)
            error.recorded = True
        self.refused = error
        raise error


# Set in the task (and the tasks it starts) that holds its process's SQLite write turn: a
# transaction opened inside another one does not wait for a turn its own caller holds.
_WRITING: ContextVar[bool] = ContextVar("ecabinet_sqlite_writing", default=False)


# Runs inside a transaction just before it commits, on success only (numbering live
# events, PostgreSQL NOTIFY): what it writes commits, or rolls back, with the change.
CommitHook = Callable[[Tx], Awaitable[None]]


class Database:
    def __init__(
        self, url: str, bus: EventBus | None = None, *, pool_size: int = 5, max_overflow: int = 5
    ) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size, max_overflow=max_overflow)
        self.bus = bus or EventBus()
        self.before_commit: list[CommitHook] = []
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )
        # One per event loop (tests run several): an asyncio lock belongs to one loop.
        self._write_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self._pool_size = max(1, pool_size)
        self._pool_turns: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, asyncio.Semaphore
        ] = weakref.WeakKeyDictionary()

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """Commit on success and then publish the events; roll back and publish none on error."""
        async with self._write_turn(), self._sessions() as session:
            tx = Tx(session)
            if self.is_sqlite:
                await session.connection(execution_options={"sqlite_immediate": True})
            kept: EcabinetError | None = None
            try:
                yield tx
                for hook in self.before_commit:
                    await hook(tx)
                await session.commit()
            except EcabinetError as error:
                if tx.refused is not error:
                    await session.rollback()
                    raise
                # A refusal (tx.refuse) keeps its changes (a burned challenge, a blocked
                # clone and its ended sessions) and tells the other processes about them
                # like any commit does.
                for hook in self.before_commit:
                    await hook(tx)
                await session.commit()
                kept = error
            except BaseException:
                await session.rollback()
                raise
        await self.bus.publish(tx.events)
        if kept is not None:
            raise kept

    @asynccontextmanager
    async def pool_turn(self) -> AsyncIterator[None]:
        """At most as many of these at once in this process as its pool keeps connections;
        the others wait here, in the order they came, holding none.

        For work that comes in bursts (a vote's ballots): under a burst on a process short
        of CPU, every request took a pooled connection and then waited for the event loop
        with it, and the requests behind waited past the pool's 10 s and answered 503.
        Queued here, a burst leaves the pool's overflow to everything else (snapshots,
        pages, the chair's steps)."""
        loop = asyncio.get_running_loop()
        turn = self._pool_turns.get(loop)
        if turn is None:
            turn = self._pool_turns[loop] = asyncio.Semaphore(self._pool_size)
        async with turn:
            yield

    @asynccontextmanager
    async def _write_turn(self) -> AsyncIterator[None]:
        """SQLite: this process's writers take the write lock one at a time, in the order
        they asked, before they take a pooled connection.

        SQLite alone is no queue: a writer that finds the lock taken sleeps and tries
        again (up to 100 ms at a time), so under a burst the lock often sits free while
        the waiters sleep, and the unluckiest waiter can lose every retry until its
        busy timeout (30 s) fails it with "database is locked" and a 500. Each waiter
        also holds one of the pool's connections, leaving none for reads. A soak of 200
        members voting on a busy machine saw both. Queued here, a writer waits its turn
        however long the queue, and the lock is handed straight to the next one.

        Other processes (an `ecabinet` command while the server runs) still meet SQLite's
        own busy timeout. PostgreSQL locks rows, not the database: nothing is queued."""
        if not self.is_sqlite or _WRITING.get():
            yield
            return
        loop = asyncio.get_running_loop()
        turn = self._write_turns.get(loop)
        if turn is None:
            turn = self._write_turns[loop] = asyncio.Lock()
        queued = True
        try:
            async with asyncio.timeout(WRITE_TURN_SECONDS):
                await turn.acquire()
        except TimeoutError:
            queued = False
        if not queued:
            # A writer that waited this long for its turn (a transaction opened by a task
            # that another transaction awaits) asks SQLite itself, as before the queue.
            yield
            return
        writing = _WRITING.set(True)
        try:
            yield
        finally:
            _WRITING.reset(writing)
            turn.release()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            yield session

    @asynccontextmanager
    async def read_one(self) -> AsyncIterator[AsyncSession]:
        """For one statement that needs no snapshot shared with another (a chunk of an
        immutable blob): on PostgreSQL without BEGIN and ROLLBACK, one round trip where
        a transaction takes three, so that the pool's connections go further."""
        if self.is_sqlite:
            async with self.read() as session:
                yield session
            return
        async with self.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            async with AsyncSession(bind=connection, expire_on_commit=False) as session:
                yield session

    @asynccontextmanager
    async def read_only(self) -> AsyncIterator[Tx]:
        """A Tx for actions that only read, as a page answering GET: no write lock is
        taken and nothing is committed. An action that changed something here is a bug,
        refused loudly rather than silently dropped."""
        async with self._sessions() as session:
            tx = Tx(session)
            yield tx
            if (
                session.new
                or session.dirty
                or session.deleted
                or tx.events
                or audit.has_pending(session.sync_session)
            ):
                raise RuntimeError("a read-only unit of work tried to write")

    async def dispose(self) -> None:
        await self.engine.dispose()

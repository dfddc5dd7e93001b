"""On SQLite a server process's writers take the database's one write lock in turn, in the
order they asked: a writer behind a long transaction waits for it, however long, instead
of failing with "database is locked" (a 500) when SQLite's busy timeout runs out.

A soak of 200 members voting on a busy machine lost ballots and check-ins that way: SQLite
retries a busy lock by sleeping, so with many writers the unluckiest one can lose every
retry for 30 s."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from ecabinet import db as db_module
from ecabinet.db import Database


async def test_writers_wait_their_turn_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite's own wait is taken away: any writer that reaches a taken lock fails at once.
    monkeypatch.setattr(db_module, "SQLITE_BUSY_MS", 0)
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'writers.db'}")
    try:
        async with db.engine.begin() as connection:
            await connection.exec_driver_sql("CREATE TABLE written (n INTEGER)")
        holding, release = asyncio.Event(), asyncio.Event()

        async def long_transaction() -> None:
            async with db.transaction() as tx:
                await tx.session.exec(text("INSERT INTO written VALUES (0)"))  # type: ignore[call-overload]
                holding.set()
                await release.wait()

        async def writer(n: int) -> None:
            async with db.transaction() as tx:
                await tx.session.exec(text(f"INSERT INTO written VALUES ({n})"))  # type: ignore[call-overload]

        first = asyncio.create_task(long_transaction())
        await holding.wait()
        writers = [asyncio.create_task(writer(n)) for n in range(1, 21)]
        # Long enough for every writer to have asked for the lock; without the queue each
        # would have failed by now.
        await asyncio.sleep(0.3)
        release.set()
        await asyncio.gather(first, *writers)

        async with db.read() as session:
            rows = (await session.exec(text("SELECT n FROM written ORDER BY rowid"))).all()  # type: ignore[call-overload]
        assert [n for (n,) in rows] == list(range(21))
    finally:
        await db.dispose()


async def test_a_transaction_inside_a_transaction_does_not_wait_for_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The turn belongs to the task that holds it: a transaction opened while its own
    task holds the turn asks SQLite directly (and is refused there, as it always was),
    instead of waiting for a turn that cannot come."""
    monkeypatch.setattr(db_module, "SQLITE_BUSY_MS", 0)
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'nested.db'}")
    try:
        async with db.engine.begin() as connection:
            await connection.exec_driver_sql("CREATE TABLE written (n INTEGER)")
        with pytest.raises(OperationalError, match="database is locked"):
            async with db.transaction() as outer:
                await outer.session.exec(text("INSERT INTO written VALUES (1)"))  # type: ignore[call-overload]
                async with db.transaction() as inner:
                    await inner.session.exec(text("INSERT INTO written VALUES (2)"))  # type: ignore[call-overload]
    finally:
        await db.dispose()

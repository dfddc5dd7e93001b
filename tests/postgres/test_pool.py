"""The pool hands out no connection the database has closed, without pinging each one
(db.py: only a connection idle for a while is pinged)."""

from __future__ import annotations

import asyncio

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ecabinet.db import Database
from ecabinet.models import Body
from ecabinet.settings import Settings

from ..support.database import pg_admin


async def _backend(db: Database) -> int:
    async with db.read() as session:
        result = await session.exec(text("SELECT pg_backend_pid()"))  # type: ignore[call-overload]
        return int(result.scalar_one())


async def _alive(settings: Settings, pid: int) -> bool:
    url = make_url(settings.database_url)
    connection = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, database=url.database
    )
    try:
        found = await connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid
        )
    finally:
        await connection.close()
    return bool(found)


async def test_a_connection_the_database_closed_is_replaced_at_checkout(settings: Settings) -> None:
    db = Database(settings.database_url, pool_size=1, max_overflow=0)
    try:
        first = await _backend(db)
        await pg_admin(f"SELECT pg_terminate_backend({first})")
        gone = False
        for _ in range(100):
            if not await _alive(settings, first):
                gone = True
                break
            await asyncio.sleep(0.05)
        assert gone
        await asyncio.sleep(0.1)  # the event loop reads the server's goodbye
        # The very next request is answered, by a new connection.
        second = await _backend(db)
        assert second != first
    finally:
        await db.dispose()


async def test_a_connection_lent_without_a_transaction_comes_back_with_them(
    settings: Settings,
) -> None:
    """read_one runs its statement without BEGIN; the same pooled connection then rolls a
    failed unit of work back whole, as every other one."""
    db = Database(settings.database_url, pool_size=1, max_overflow=0)
    try:
        async with db.read_one() as session:
            lent = (await session.exec(text("SELECT pg_backend_pid()"))).scalar_one()  # type: ignore[call-overload]
        try:
            async with db.transaction() as tx:
                assert await _backend_of(tx.session) == lent
                tx.session.add(Body(slug="tam-thoi", name="Tạm thời"))
                await tx.session.flush()
                raise RuntimeError("the unit of work fails")
        except RuntimeError:
            pass
        async with db.read() as session:
            assert (await session.exec(select(Body).where(Body.slug == "tam-thoi"))).all() == []
    finally:
        await db.dispose()


async def _backend_of(session: AsyncSession) -> int:
    result = await session.exec(text("SELECT pg_backend_pid()"))  # type: ignore[call-overload]
    return int(result.scalar_one())

"""Where the tests' databases live: SQLite files by default, PostgreSQL when
ECABINET_TEST_DATABASE_URL points at one."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy.engine import make_url

from ecabinet.db import make_engine
from ecabinet.migrate import upgrade

T = TypeVar("T")
ORIGIN = "http://localhost:8000"
PG_URL = os.environ.get("ECABINET_TEST_DATABASE_URL", "")


def on_postgres() -> bool:
    return PG_URL.startswith("postgresql")


async def pg_admin(sql: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    url = make_url(PG_URL)
    connection = await asyncpg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        database=url.database or "postgres",
    )
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


def run_blocking(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, also where this thread's loop is busy: Playwright's sync API (the
    browser tests) keeps a loop running in the main thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()

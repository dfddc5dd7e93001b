"""A fresh, migrated database per test: SQLite by default, PostgreSQL when
ECABINET_TEST_DATABASE_URL points at one (the suite then runs unchanged on it)."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy.engine import make_url
from starlette.applications import Starlette

from ecabinet.app import create_app
from ecabinet.db import Database, make_engine
from ecabinet.migrate import upgrade
from ecabinet.settings import Settings, load_settings

T = TypeVar("T")
ORIGIN = "http://localhost:8000"
PG_URL = os.environ.get("ECABINET_TEST_DATABASE_URL", "")


def on_postgres() -> bool:
    return PG_URL.startswith("postgresql")


# Tests that need several server processes on one PostgreSQL database (LISTEN/NOTIFY)
# and the fault tests (a replicated cluster, failover) are collected only in the PostgreSQL
# run: not collected is not skipped.
collect_ignore = [] if on_postgres() else ["postgres", "faults"]


async def _pg_admin(sql: str) -> None:
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


async def _migrate(url: str) -> None:
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


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrate once; every test then starts from a copy (a file copy or a PG template)."""
    if on_postgres():
        name = f"ecab_tpl_{os.getpid()}"
        run_blocking(_pg_admin(f'DROP DATABASE IF EXISTS "{name}"'))
        run_blocking(_pg_admin(f'CREATE DATABASE "{name}"'))
        run_blocking(_migrate(str(make_url(PG_URL).set(database=name))))
        yield name
        run_blocking(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        run_blocking(_migrate(f"sqlite+aiosqlite:///{path}"))
        yield str(path)


@pytest.fixture
def database_url(template_database: str, tmp_path: Path) -> Iterator[str]:
    if on_postgres():
        name = f"ecab_t_{uuid.uuid4().hex[:12]}"
        run_blocking(_pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"'))
        yield str(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
        run_blocking(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        path = tmp_path / "ecabinet.db"
        shutil.copyfile(template_database, path)
        yield f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        environ={},
        database_url=database_url,
        data_dir=str(tmp_path / "data"),
        origin=ORIGIN,
        session_secret="test-secret-" + "x" * 40,
    )


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings.database_url)
    yield database
    await database.dispose()


@pytest.fixture
def app(settings: Settings, db: Database) -> Starlette:
    return create_app(settings, db=db)


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as http:
        yield http

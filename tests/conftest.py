"""A fresh, migrated database per test: SQLite by default, PostgreSQL when
ECABINET_TEST_DATABASE_URL points at one (the suite then runs unchanged on it)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url
from starlette.applications import Starlette

from ecabinet.app import create_app
from ecabinet.db import Database
from ecabinet.settings import Settings, load_settings

from .support.database import ORIGIN, PG_URL, migrate, on_postgres, pg_admin, run_blocking

# Tests that need several server processes on one PostgreSQL database (LISTEN/NOTIFY)
# and the fault tests (a replicated cluster, failover, backups) are collected only in the
# PostgreSQL run, and the SQLite driver's test and SQLite's backups only in the SQLite run:
# not collected is not skipped.
collect_ignore = (
    ["test_sqlite_driver.py", "test_backups.py"] if on_postgres() else ["postgres", "faults"]
)

# The kit's fixtures, there for every test module that names one.
pytest_plugins = [
    "tests.support.demo",
    "tests.support.lta",
    "tests.support.minutes_tamper",
    "tests.support.packets",
]


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrate once; every test then starts from a copy (a file copy or a PG template)."""
    if on_postgres():
        name = f"ecab_tpl_{os.getpid()}"
        run_blocking(pg_admin(f'DROP DATABASE IF EXISTS "{name}"'))
        run_blocking(pg_admin(f'CREATE DATABASE "{name}"'))
        run_blocking(migrate(str(make_url(PG_URL).set(database=name))))
        yield name
        run_blocking(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        run_blocking(migrate(f"sqlite+aiosqlite:///{path}"))
        yield str(path)


@pytest.fixture
def database_url(template_database: str, tmp_path: Path) -> Iterator[str]:
    if on_postgres():
        name = f"ecab_t_{uuid.uuid4().hex[:12]}"
        run_blocking(pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"'))
        yield str(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
        run_blocking(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
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

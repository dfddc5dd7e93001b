"""`ecabinet serve` checks the connection arithmetic against the real PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

from ecabinet.cli import _connection_refusal
from ecabinet.db import Database
from ecabinet.operations.connections import connections_allowed
from ecabinet.settings import Settings


async def test_serve_refuses_more_connections_than_postgresql_allows(settings: Settings) -> None:
    db = Database(settings.database_url)
    try:
        allowed = await connections_allowed(db.engine)
    finally:
        await db.dispose()
    assert 0 < allowed < 10_000
    documented = replace(settings, server_processes=4, db_pool_size=5, db_max_overflow=5)
    assert await _connection_refusal(documented, workers=1) == ""
    greedy = replace(settings, db_pool_size=10, db_max_overflow=20)
    refusal = await _connection_refusal(greedy, workers=4)
    assert f"the database allows {allowed}" in refusal
    assert "PgBouncer" in refusal


async def test_behind_pgbouncer_only_the_direct_listen_connections_are_counted(
    settings: Settings,
) -> None:
    # Pools far beyond PostgreSQL's limit are PgBouncer's clients, not PostgreSQL's.
    pooled = replace(
        settings, db_pool_size=100, db_max_overflow=100, listen_database_url=settings.database_url
    )
    assert await _connection_refusal(pooled, workers=4) == ""
    too_many = await _connection_refusal(pooled, workers=10_000)
    assert "10000 server process(es) × 1 LISTEN" in too_many

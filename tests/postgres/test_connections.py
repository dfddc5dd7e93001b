"""`ecabinet serve` checks the connection arithmetic against the real PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

from ecabinet.cli import _connection_refusal
from ecabinet.db import Database
from ecabinet.operations.connections import connections_allowed
from ecabinet.settings import Settings


async def test_serve_refuses_more_connections_than_postgresql_allows(settings: Settings
                                                                      ) -> None:
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

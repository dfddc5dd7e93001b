"""PgBouncer in transaction pooling between the servers and PostgreSQL, as
docs/operations.md describes it: the pool's transactions share two server connections,
prepared statements do not leak from one client to another, and live events still flow
because LISTEN keeps a direct connection of its own (ECABINET_LISTEN_DATABASE_URL)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from ..support.processes import eventually
from .cluster import _psql, single_node
from .pgbouncer import pgbouncer
from .underway import vote_underway


async def test_a_vote_through_pgbouncer_transaction_pooling(tmp_path: Path) -> None:
    with single_node() as (node, direct), pgbouncer(node, "ecab", server_connections=2) as pooled:
        underway = await vote_underway(
            pooled, tmp_path, extra_members=8, environment={"ECABINET_LISTEN_DATABASE_URL": direct}
        )
        voters, followers, poll = underway.voters, underway.followers, underway.poll
        try:
            # All at once: more transactions in flight than PgBouncer has server
            # connections, each client's statements prepared on whichever is free.
            answers = await asyncio.gather(*(one.vote(poll, "for") for one in voters))
            assert [a.status_code for a in answers] == [201] * len(voters), [
                a.text for a in answers if a.status_code != 201
            ]
            await eventually(
                lambda: all(f.cast == len(voters) for f in followers),
                within=20,
                what="every ballot on the tablets, through LISTEN",
            )
            receipts = {a.json()["receipt"] for a in answers}
            assert len(receipts) == len(voters)
            # PostgreSQL saw PgBouncer's two connections, not the server's pool of five,
            # plus the one direct LISTEN connection.
            backends = _psql(
                node,
                "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                "'ecab' AND pid <> pg_backend_pid() AND "
                "backend_type = 'client backend'",
            )
            assert int(backends) <= 3, backends
            listening = _psql(
                node, "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN%'"
            )
            assert int(listening) == 1, listening
        finally:
            await underway.close()

"""The connection rows of a server process that died are closed by the next sweep of any
other process, as of the last time they were seen."""

from __future__ import annotations

from datetime import timedelta

from ecabinet.db import Database
from ecabinet.models import LiveConnection, utcnow
from ecabinet.realtime import presence
from ecabinet.settings import Settings

from ..support.factories import seat_people


async def test_a_dead_process_connections_are_closed_by_the_sweep(
    db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    last_seen = utcnow() - timedelta(seconds=settings.presence_grace_seconds + 30)
    async with db.transaction() as tx:
        tx.session.add(
            LiveConnection(
                id="dead-process-socket",
                person_id=seats["member"].person_id,
                process="host:999",
                seen_at=last_seen,
            )
        )
        tx.session.add(
            LiveConnection(
                id="live-socket", person_id=seats["chair"].person_id, process="host:1000"
            )
        )
    await presence.sweep(db, settings, [])
    async with db.read() as session:
        dead = await session.get(LiveConnection, "dead-process-socket")
        alive = await session.get(LiveConnection, "live-socket")
    assert dead is not None and dead.closed_at == last_seen
    assert alive is not None and alive.closed_at is None

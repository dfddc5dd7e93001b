"""Production's failover: the servers run against a primary with a synchronous streaming
replica, through a multi-host URL that only ever picks the one accepting writes. The
primary dies mid-vote and the replica is promoted: every acknowledged ballot is on the new
primary, the voters whose answer was lost learn the truth about their ballot, and the
tablets converge on the final count without any operator touching the servers."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlmodel import col, select

from ecabinet.db import Database
from ecabinet.models import Ballot

from ..support.live import Tablet
from ..support.processes import eventually
from .cluster import replicated_cluster
from .underway import vote_underway


async def _cast_until_answered(
    one: Tablet, poll: dict[str, Any], signed: dict[str, Any], meeting: int
) -> str:
    """What a tablet does when its answer is lost: ask whether the ballot was recorded,
    and send the same signed ballot again only if it was not."""
    for _ in range(150):
        try:
            answer = await one.client.post(f"/api/polls/{poll['id']}/ballots", json=signed)
            if answer.status_code == 201:
                return str(answer.json()["receipt"])
            mine = (await one.snapshot(meeting))["me"]["ballot"]
            if mine is not None:
                return str(mine["receipt"])
        except (httpx.TransportError, AssertionError):
            pass
        await asyncio.sleep(0.2)
    raise AssertionError("the ballot was never answered")


async def test_promoting_the_replica_mid_vote_loses_no_acknowledged_ballot(tmp_path: Path) -> None:
    with replicated_cluster() as cluster:
        underway = await vote_underway(cluster.url(), tmp_path, extra_members=6)
        voters, followers, poll = underway.voters, underway.followers, underway.poll
        meeting = underway.live.meeting_id
        try:
            signed = [(await one.ballot(poll, "for"))[1] for one in voters]
            acknowledged = [
                await _cast_until_answered(one, poll, body, meeting)
                for one, body in zip(voters[:3], signed[:3], strict=True)
            ]

            # The primary dies with ballots in flight; the replica is promoted.
            flight = [
                asyncio.create_task(_cast_until_answered(one, poll, body, meeting))
                for one, body in zip(voters[3:], signed[3:], strict=True)
            ]
            await asyncio.sleep(0.01)
            await asyncio.to_thread(cluster.primary.crash)
            await asyncio.to_thread(cluster.replica.promote)
            acknowledged += await asyncio.gather(*flight)

            await eventually(
                lambda: all(f.cast == len(voters) for f in followers),
                within=30,
                what="every tablet on the final count after the failover",
            )
            promoted = Database(cluster.url_of(cluster.replica))
            try:
                async with promoted.read() as session:
                    in_recovery = (
                        await session.exec(
                            text("SELECT pg_is_in_recovery()")  # type: ignore[call-overload]
                        )
                    ).scalar_one()
                    stored = set(
                        (
                            await session.exec(
                                select(Ballot.receipt).where(col(Ballot.superseded_by_id).is_(None))
                            )
                        ).all()
                    )
            finally:
                await promoted.dispose()
            assert in_recovery is False
            assert set(acknowledged) == stored and len(stored) == len(voters)
        finally:
            await underway.close()

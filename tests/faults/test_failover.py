"""Production's failover: the servers run against a primary with a synchronous streaming
replica, through a multi-host URL that only ever picks the one accepting writes. The
primary dies mid-vote and the replica is promoted: every acknowledged ballot is on the new
primary, the voters whose answer was lost learn the truth about their ballot, and the
tablets converge on the final count without any operator touching the servers."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlmodel import col, select

from ecabinet.db import Database, make_engine
from ecabinet.migrate import upgrade
from ecabinet.models import Ballot
from ecabinet.settings import Settings, load_settings

from ..live.helpers import Tablet, make_session, tablet
from ..postgres.conftest import Follower, Process, eventually, free_port
from .cluster import replicated_cluster


async def _cast_until_answered(one: Tablet, poll: dict[str, Any], signed: dict[str, Any],
                               meeting: int) -> str:
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


async def _post(one: Tablet, url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await one.client.post(url, json=body or {})
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


def _settings(url: str, tmp_path: Path) -> Settings:
    return load_settings(environ={}, database_url=url, data_dir=str(tmp_path / "data"),
                         origin="http://localhost:8000", sweep_seconds=0,
                         session_secret="failover-secret-" + "x" * 40)


async def test_promoting_the_replica_mid_vote_loses_no_acknowledged_ballot(tmp_path: Path
                                                                           ) -> None:
    with replicated_cluster() as cluster:
        engine = make_engine(cluster.url())
        await upgrade(engine)
        await engine.dispose()
        settings = _settings(cluster.url(), tmp_path)
        db = Database(cluster.url())
        live = await make_session(db, settings, consent=0, extra_members=6)
        await db.dispose()
        environment = {**os.environ, "ECABINET_DATABASE_URL": cluster.url(),
                       "ECABINET_DATA_DIR": str(tmp_path / "data"),
                       "ECABINET_ORIGIN": settings.origin,
                       "ECABINET_SESSION_SECRET": settings.session_secret,
                       "ECABINET_WS_HEARTBEAT_SECONDS": "1",
                       "ECABINET_PRESENCE_GRACE_SECONDS": "60", "ECABINET_SWEEP_SECONDS": "0",
                       "ECABINET_LOG_LEVEL": "warning"}
        server = Process(free_port(), environment, tmp_path / "server.log")
        server.start()
        voters = [await tablet(httpx.AsyncHTTPTransport(), server.url, settings, seat)
                  for seat in live.voters]
        followers = [Follower(settings.origin, str(one.client.cookies["ecab_session"]),
                              live.meeting_id, [server]) for one in voters[1:3]]
        try:
            chair, meeting = voters[0], live.meeting_id
            # Opened before anyone checked in: the chair confirms the warning.
            await _post(chair, f"/api/meetings/{meeting}/session/open", {"confirm": True})
            for one in voters:
                assert (await one.check_in(meeting)).status_code == 200
            await _post(chair, f"/api/meetings/{meeting}/session/next")
            poll = await _post(chair, f"/api/items/{live.items[0]}/polls")
            for follower in followers:
                await follower.start()
            await eventually(lambda: all(f.cast == 0 for f in followers), within=20,
                             what="tablets following the vote")
            signed = [(await one.ballot(poll, "for"))[1] for one in voters]
            acknowledged = [await _cast_until_answered(one, poll, body, meeting)
                            for one, body in zip(voters[:3], signed[:3], strict=True)]

            # The primary dies with ballots in flight; the replica is promoted.
            flight = [asyncio.create_task(_cast_until_answered(one, poll, body, meeting))
                      for one, body in zip(voters[3:], signed[3:], strict=True)]
            await asyncio.sleep(0.01)
            await asyncio.to_thread(cluster.primary.crash)
            await asyncio.to_thread(cluster.replica.promote)
            acknowledged += await asyncio.gather(*flight)

            await eventually(lambda: all(f.cast == len(voters) for f in followers), within=30,
                             what="every tablet on the final count after the failover")
            promoted = Database(cluster.url_of(cluster.replica))
            try:
                async with promoted.read() as session:
                    in_recovery = (await session.exec(text("SELECT pg_is_in_recovery()")  # type: ignore[call-overload]
                                                      )).scalar_one()
                    stored = set((await session.exec(select(Ballot.receipt).where(
                        col(Ballot.superseded_by_id).is_(None)))).all())
            finally:
                await promoted.dispose()
            assert in_recovery is False
            assert set(acknowledged) == stored and len(stored) == len(voters)
        finally:
            for follower in followers:
                await follower.stop()
            for one in voters:
                await one.client.aclose()
            server.stop()

"""The database restarts in the middle of a vote: while it is down the server says so at
once (503 from /readyz, not a hung request), and once /readyz is 200 again the next ballot
is accepted at the first attempt and reaches every tablet, with no server restarted."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import httpx

from ecabinet.db import Database, make_engine
from ecabinet.migrate import upgrade
from ecabinet.settings import load_settings

from ..live.helpers import Tablet, make_session, tablet
from ..postgres.conftest import Follower, Process, eventually, free_port
from .cluster import single_node


async def _post(one: Tablet, url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await one.client.post(url, json=body or {})
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


async def test_tallies_flow_again_once_the_restarted_database_is_ready(tmp_path: Path
                                                                        ) -> None:
    with single_node() as (node, url):
        engine = make_engine(url)
        await upgrade(engine)
        await engine.dispose()
        settings = load_settings(environ={}, database_url=url, data_dir=str(tmp_path / "data"),
                                 origin="http://localhost:8000", sweep_seconds=0,
                                 session_secret="restart-secret-" + "x" * 40)
        db = Database(url)
        live = await make_session(db, settings, consent=0, extra_members=2)
        await db.dispose()
        environment = {**os.environ, "ECABINET_DATABASE_URL": url,
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
            assert (await voters[0].vote(poll, "for")).status_code == 201
            await eventually(lambda: all(f.cast == 1 for f in followers), within=20,
                             what="the first ballot on every tablet")

            await asyncio.to_thread(node.crash)
            async with httpx.AsyncClient(base_url=server.url, timeout=10) as probe:
                down = await probe.get("/readyz")
                assert down.status_code == 503, down.text
                await asyncio.to_thread(node.start)
                for _ in range(300):
                    if (await probe.get("/readyz")).status_code == 200:
                        break
                    await asyncio.sleep(0.1)
                else:
                    raise AssertionError("/readyz never came back")

            for count, one in enumerate(voters[1:], start=2):
                answer = await one.vote(poll, "against")
                assert answer.status_code == 201, answer.text
                await eventually(lambda n=count: all(f.cast == n for f in followers),
                                 within=20, what=f"ballot {count} on every tablet")
        finally:
            for follower in followers:
                await follower.stop()
            for one in voters:
                await one.client.aclose()
            server.stop()

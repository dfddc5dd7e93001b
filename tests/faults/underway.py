"""A vote underway on a database of the fault test's own: the schema migrated, a session
with members, one server process, every member's tablet checked in, two tablets following
the meeting over /ws, and the vote open."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ecabinet.db import Database, make_engine
from ecabinet.migrate import upgrade
from ecabinet.settings import Settings, load_settings

from ..postgres.conftest import Follower, Process, eventually, free_port
from ..support.live import Session, Tablet, make_session, tablet


@dataclass
class Underway:
    settings: Settings
    live: Session
    server: Process
    voters: list[Tablet]
    followers: list[Follower]
    poll: dict[str, Any]

    async def close(self) -> None:
        for follower in self.followers:
            await follower.stop()
        for one in self.voters:
            await one.client.aclose()
        self.server.stop()


async def post(one: Tablet, url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await one.client.post(url, json=body or {})
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


async def vote_underway(
    url: str, tmp_path: Path, *, extra_members: int, environment: dict[str, str] | None = None
) -> Underway:
    """``environment``: more of the server's settings (e.g. a direct LISTEN URL)."""
    engine = make_engine(url)
    await upgrade(engine)
    await engine.dispose()
    settings = load_settings(
        environ={},
        database_url=url,
        data_dir=str(tmp_path / "data"),
        origin="http://localhost:8000",
        sweep_seconds=0,
        session_secret="faults-secret-" + "x" * 40,
    )
    db = Database(url)
    live = await make_session(db, settings, consent=0, extra_members=extra_members)
    await db.dispose()
    environment = {
        **os.environ,
        "ECABINET_DATABASE_URL": url,
        "ECABINET_DATA_DIR": str(tmp_path / "data"),
        "ECABINET_ORIGIN": settings.origin,
        "ECABINET_SESSION_SECRET": settings.session_secret,
        "ECABINET_WS_HEARTBEAT_SECONDS": "1",
        "ECABINET_PRESENCE_GRACE_SECONDS": "60",
        "ECABINET_SWEEP_SECONDS": "0",
        "ECABINET_LOG_LEVEL": "warning",
        **(environment or {}),
    }
    server = Process(free_port(), environment, tmp_path / "server.log")
    server.start()
    underway = Underway(settings, live, server, [], [], {})
    try:
        underway.voters += [
            await tablet(httpx.AsyncHTTPTransport(), server.url, settings, seat)
            for seat in live.voters
        ]
        underway.followers += [
            Follower(
                settings.origin, str(one.client.cookies["ecab_session"]), live.meeting_id, [server]
            )
            for one in underway.voters[1:3]
        ]
        chair, meeting = underway.voters[0], live.meeting_id
        # Opened before anyone checked in: the chair confirms the warning.
        await post(chair, f"/api/meetings/{meeting}/session/open", {"confirm": True})
        for one in underway.voters:
            assert (await one.check_in(meeting)).status_code == 200
        await post(chair, f"/api/meetings/{meeting}/session/next")
        underway.poll = await post(chair, f"/api/items/{live.items[0]}/polls")
        for follower in underway.followers:
            await follower.start()
        await eventually(
            lambda: all(f.cast == 0 for f in underway.followers),
            within=20,
            what="tablets following the vote",
        )
    except BaseException:
        await underway.close()
        raise
    return underway

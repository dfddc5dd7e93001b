"""A vote underway on a database of the fault test's own: the schema migrated, a session
with members, one server process, every member's tablet checked in, two tablets following
the meeting over /ws, and the vote open."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ecabinet.db import Database, make_engine
from ecabinet.migrate import upgrade
from ecabinet.settings import Settings, load_settings

from ..support.live import Session, Tablet, make_session, tablet
from ..support.processes import Follower, Process, eventually, free_port, server_environment


@dataclass
class Underway:
    settings: Settings
    live: Session
    server: Process
    voters: list[Tablet]
    followers: list[Follower]
    poll: dict[str, Any]
    spares: list[Process]

    async def close(self) -> None:
        for follower in self.followers:
            await follower.stop()
        for one in self.voters:
            await one.client.aclose()
        for spare in self.spares:
            spare.stop()
        self.server.stop()


async def post(one: Tablet, url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await one.client.post(url, json=body or {})
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


async def vote_underway(
    url: str,
    tmp_path: Path,
    *,
    extra_members: int,
    environment: dict[str, str] | None = None,
    spares: int = 0,
    followers: int = 2,
) -> Underway:
    """``environment``: more of the server's settings (e.g. a direct LISTEN URL).
    ``spares``: more server processes on the same database, started with the first (their
    start-up, mostly imports, overlaps the vote's set-up) but not waited for: call
    ``wait_ready`` on each before use. ``followers``: tablets following the vote on the
    first process."""
    settings = load_settings(
        environ={},
        database_url=url,
        data_dir=str(tmp_path / "data"),
        origin="http://localhost:8000",
        sweep_seconds=0,
        session_secret="faults-secret-" + "x" * 40,
    )
    environment = server_environment(
        url,
        tmp_path / "data",
        origin=settings.origin,
        session_secret=settings.session_secret,
        ECABINET_PRESENCE_GRACE_SECONDS="60",
        # No test here renders a page: one worker each, fewer interpreters starting at once.
        ECABINET_RENDER_WORKERS="1",
        **(environment or {}),
    )
    # The processes start (imports, mostly: most of these tests' time on a busy machine)
    # while the schema is made and the body seated; they are ready once it is current.
    processes = [
        Process(free_port(), environment, tmp_path / f"server-{n + 1}.log")
        for n in range(1 + spares)
    ]
    for process in processes:
        process.spawn()
    try:
        engine = make_engine(url)
        await upgrade(engine)
        await engine.dispose()
        db = Database(url)
        live = await make_session(db, settings, consent=0, extra_members=extra_members)
        await db.dispose()
    except BaseException:
        for process in processes:
            process.stop()
        raise
    server = processes[0]
    underway = Underway(settings, live, server, [], [], {}, processes[1:])
    try:
        await asyncio.to_thread(server.wait_ready)
        # Enrolled together: each waits on the server as much as on itself.
        enrolled = await asyncio.gather(
            *(
                tablet(httpx.AsyncHTTPTransport(), server.url, settings, seat)
                for seat in live.voters
            ),
            return_exceptions=True,
        )
        underway.voters += [one for one in enrolled if isinstance(one, Tablet)]
        for one in enrolled:
            if isinstance(one, BaseException):
                raise one
        underway.followers += [
            Follower(
                settings.origin, str(one.client.cookies["ecab_session"]), live.meeting_id, [server]
            )
            for one in underway.voters[1 : 1 + followers]
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

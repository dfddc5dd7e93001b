"""Room displays on /ws against a real server: two projectors of one room follow the
meeting live with their display-seat cookie (nobody signed in), each sees only what a
projector shows, neither can watch another body's meeting, and a revoked display's
socket closes within a heartbeat."""

from __future__ import annotations

import re
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from ecabinet.actions.bodies import create_body
from ecabinet.db import Database
from ecabinet.models import Meeting, utcnow

from ..support.factories import csrf_header
from ..support.live import Tablet, attend, make_session
from .conftest import Server, frame, real_tablet


async def _projector(server: Server, secretariat: Tablet, body_id: int, name: str) -> str:
    """Enroll a display through the pages, as the secretariat and the projector would;
    return the projector's cookie."""
    issued = await secretariat.client.post(f"/bodies/{body_id}/displays", data={"name": name})
    found = re.search(r'value="http://[^/]+(/display/enroll/[^"]+)"', issued.text)
    assert issued.status_code == 200 and found is not None
    async with httpx.AsyncClient(base_url=server.origin) as screen:
        screen.headers.update(await csrf_header(screen))
        confirmed = await screen.post(found.group(1))
        assert confirmed.status_code == 303
        return str(confirmed.cookies["ecab_display"])


def _socket(server: Server, cookie: str) -> Any:
    return connect(
        f"ws://localhost:{server.port}/ws",
        origin=Origin(server.origin),
        additional_headers={"Cookie": f"ecab_display={cookie}; ecab_lang=en"},
        compression=None,
        open_timeout=5,
        proxy=None,
    )


async def test_two_projectors_follow_the_meeting_and_a_revoked_one_is_closed(
    server: Server, db: Database, tablets: list[Tablet]
) -> None:
    live = await make_session(db, server.settings)
    secretariat = await real_tablet(server, live.seats["secretariat"], tablets)
    secretariat.client.headers.update(await csrf_header(secretariat.client))
    chair = await real_tablet(server, live.seats["chair"], tablets)
    left = await _projector(server, secretariat, live.body_id, "Phòng A – trái")
    right = await _projector(server, secretariat, live.body_id, "Phòng A – phải")
    async with db.transaction() as tx:
        other = await create_body(tx, actor_id=None, slug="ubnd", name="Ủy ban nhân dân")
        assert other.id is not None
        foreign = Meeting(
            body_id=other.id, title="Phiên họp UBND", starts_at=utcnow(), state="published"
        )
        tx.session.add(foreign)
        await tx.session.flush()
        foreign_id = foreign.id
    meeting = live.meeting_id
    await attend(db, meeting, live.seats["chair"])
    async with _socket(server, left) as one, _socket(server, right) as two:
        for ws in (one, two):
            assert (await frame(ws, "hello"))["person"] is None
            await ws.send(f'{{"type":"watch","meeting":{foreign_id}}}')
            refused = await frame(ws, "error")
            assert "another body" in refused["detail"]
            await ws.send(f'{{"type":"watch","meeting":{meeting}}}')
            await frame(ws, "watching")
        response = await chair.client.post(
            f"/api/meetings/{meeting}/session/open", json={"confirm": True}
        )
        assert response.status_code == 200
        for ws in (one, two):
            state = (await frame(ws, "state"))["state"]
            assert state["phase"] == "open"
            # The members' list of a projector: who is present, nobody else.
            assert [a["name"] for a in state["attendance"]] == ["Người chair"]

        listing = await secretariat.client.get(f"/bodies/{live.body_id}/displays")
        first = re.search(r'action="/displays/(\d+)/revoke"', listing.text)
        assert first is not None
        revoked = await secretariat.client.post(f"/displays/{first.group(1)}/revoke")
        assert revoked.status_code == 303
        try:
            while True:  # the heartbeat's sweep closes the revoked display's socket
                await frame(one, "never", within=5)
        except ConnectionClosed as closed:
            assert closed.rcvd is not None and closed.rcvd.code == 4401
        # The other projector carries on.
        await chair.client.post(f"/api/meetings/{meeting}/session/next", json={})
        assert (await frame(two, "state"))["state"]["phase"] == "item"

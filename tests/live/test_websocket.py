"""/ws against a real server: refusals at the handshake (audited), state and coalesced
tallies numbered per meeting, heartbeats, presence that follows the connection, and a
tablet that drops in the middle of a vote and resumes."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from ecabinet.db import Database

from ..support.live import Tablet, audit_kinds, make_session, post
from .conftest import Server, frame, real_tablet, token_of

# Opened before anyone checks in: the chair confirms the warning about the quorum.
OPEN_ANYWAY = {"confirm": True}


async def test_the_handshake_needs_our_origin_and_a_session(
    server: Server, db: Database, tablets: list[Tablet]
) -> None:
    live = await make_session(db, server.settings)
    member = await real_tablet(server, live.seats["member"], tablets)
    with pytest.raises(InvalidStatus) as foreign:
        async with server.socket(token_of(member), origin="https://evil.example"):
            pass
    assert foreign.value.response.status_code == 403
    with pytest.raises(InvalidStatus) as anonymous:
        async with server.socket(None):
            pass
    assert anonymous.value.response.status_code == 403
    assert (await audit_kinds(db, "refused."))[-2:] == ["refused.csrf", "refused.unauthenticated"]


async def test_a_tablet_follows_the_session_and_the_count_live(
    server: Server, db: Database, tablets: list[Tablet]
) -> None:
    live = await make_session(db, server.settings, consent=0)
    chair = await real_tablet(server, live.seats["chair"], tablets)
    member = await real_tablet(server, live.seats["member"], tablets)
    meeting = live.meeting_id
    async with server.socket(token_of(member)) as ws:
        hello = await frame(ws, "hello")
        assert hello["heartbeat"] == 1
        await ws.send(f'{{"type":"watch","meeting":{meeting}}}')
        await frame(ws, "watching")
        opened = await post(chair, f"/api/meetings/{meeting}/session/open", OPEN_ANYWAY)
        state = await frame(ws, "state")
        assert state["state"]["phase"] == "open" and state["seq"] == opened["seq"]
        for one in (chair, member):
            assert (await one.check_in(meeting)).status_code == 200
        await post(chair, f"/api/meetings/{meeting}/session/next")
        poll = await post(chair, f"/api/items/{live.items[0]}/polls")
        state = await _until(ws, lambda m: m["type"] == "state" and m["state"]["poll"])
        assert state["state"]["poll"]["cast"] == 0 and "me" not in state["state"]

        assert (await member.vote(poll, "for")).status_code == 201
        tally = await frame(ws, "tally")
        assert (tally["cast"], tally["poll"], tally["prev"]) == (1, poll["id"], state["seq"])
        assert tally["seq"] == state["seq"] + 1
        assert (await chair.vote(poll, "against")).status_code == 201
        assert (await frame(ws, "tally"))["cast"] == 2

        await post(chair, f"/api/polls/{poll['id']}/close")
        closed = await _until(ws, lambda m: m["type"] == "state" and m["state"]["results"])
        [result] = closed["state"]["results"]
        assert result["rule"] == "tie_chair_against" and not result["passed"]
        assert result["by_choice"]["for"] == ["Người member"]


async def _until(ws: Any, test: Any, within: float = 5.0) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while True:
        message = await frame(ws, within=max(deadline - time.monotonic(), 0.01))
        if test(message):
            return message


async def test_a_tablet_that_drops_mid_vote_resumes(
    server: Server, db: Database, tablets: list[Tablet]
) -> None:
    live = await make_session(db, server.settings, consent=0)
    chair = await real_tablet(server, live.seats["chair"], tablets)
    member = await real_tablet(server, live.seats["member"], tablets)
    meeting = live.meeting_id
    await post(chair, f"/api/meetings/{meeting}/session/open", OPEN_ANYWAY)
    for one in (chair, member):
        assert (await one.check_in(meeting)).status_code == 200
    await post(chair, f"/api/meetings/{meeting}/session/next")
    poll = await post(chair, f"/api/items/{live.items[0]}/polls")
    async with server.socket(token_of(member)) as ws:
        await ws.send(f'{{"type":"watch","meeting":{meeting}}}')
        await frame(ws, "watching")
        issued, signed = await member.ballot(poll, "abstain")
    # The connection is gone; the ballot still goes through, and the chair votes meanwhile.
    cast = await member.client.post(f"/api/polls/{poll['id']}/ballots", json=signed)
    assert cast.status_code == 201
    assert (await chair.vote(poll, "for")).status_code == 201
    async with server.socket(token_of(member)) as ws:
        await ws.send(f'{{"type":"watch","meeting":{meeting}}}')
        await frame(ws, "watching")
        snapshot = await member.snapshot(meeting)
        assert snapshot["poll"]["cast"] == 2
        assert snapshot["me"]["ballot"] == {
            "receipt": cast.json()["receipt"],
            "choice": "abstain",
            "cast_at": snapshot["me"]["ballot"]["cast_at"],
        }
        await post(chair, f"/api/polls/{poll['id']}/close")
        closed = await _until(ws, lambda m: m["type"] == "state" and m["state"]["results"])
        assert closed["seq"] > snapshot["seq"]
        assert issued["payload"]["choice"] == "abstain"


async def test_presence_follows_the_connection_and_heartbeats_drop_silent_tablets(
    server: Server, db: Database, tablets: list[Tablet]
) -> None:
    live = await make_session(db, server.settings)
    chair = await real_tablet(server, live.seats["chair"], tablets)
    member = await real_tablet(server, live.seats["member"], tablets)
    meeting = live.meeting_id
    await post(chair, f"/api/meetings/{meeting}/session/open", OPEN_ANYWAY)
    async with server.socket(token_of(member)) as ws:
        assert (await member.check_in(meeting)).status_code == 200
        await ws.send(f'{{"type":"watch","meeting":{meeting}}}')
        assert (await _present(chair, meeting))["present"]
    # Gone for longer than the grace (2 s): away, and no longer counted.
    line = await _wait_for(chair, meeting, lambda a: a["away"], within=8)
    assert not line["present"] and line["checked_in"]
    async with server.socket(token_of(member)) as ws:
        back = await _wait_for(chair, meeting, lambda a: a["present"], within=5)
        assert not back["away"]
        # A tablet that stops answering the heartbeat is disconnected after three beats.
        started = time.monotonic()
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4408
        assert 2 <= time.monotonic() - started <= 8
    assert "attendance.away" in await audit_kinds(db, "attendance.")
    assert "attendance.back" in await audit_kinds(db, "attendance.")


async def _present(one: Tablet, meeting: int) -> dict[str, Any]:
    snapshot = await one.snapshot(meeting)
    line: dict[str, Any] = snapshot["attendance"][1]
    return line


async def _wait_for(one: Tablet, meeting: int, test: Any, within: float) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        line = await _present(one, meeting)
        if test(line):
            return line
        await asyncio.sleep(0.2)
    raise AssertionError(f"attendance did not change within {within}s: {line}")


async def test_watching_another_bodys_meeting_is_refused(
    server: Server, db: Database, tablets: list[Tablet]
) -> None:
    live = await make_session(db, server.settings)
    member = await real_tablet(server, live.seats["member"], tablets)
    other = await _other_body_meeting(db)
    async with server.socket(token_of(member)) as ws:
        await ws.send(f'{{"type":"watch","meeting":{other}}}')
        refused = await frame(ws, "error")
        assert "no seat" in refused["detail"]
    assert (await audit_kinds(db, "refused."))[-1] == "refused.forbidden"


async def _other_body_meeting(db: Database) -> int:
    from ecabinet.models import Body, Meeting, utcnow

    async with db.transaction() as tx:
        body = Body(slug="ubnd-tinh", name="Ủy ban nhân dân tỉnh")
        tx.session.add(body)
        await tx.session.flush()
        meeting = Meeting(
            body_id=body.id or 0, title="Phiên họp UBND", starts_at=utcnow(), state="published"
        )
        tx.session.add(meeting)
        await tx.session.flush()
        return meeting.id or 0

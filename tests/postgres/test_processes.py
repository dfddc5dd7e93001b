"""Several server processes on one PostgreSQL database: a vote cast through one process
reaches a tablet connected to another (LISTEN/NOTIFY); a process killed with SIGKILL in
the middle of a vote loses no acknowledged ballot, and its tablets move to another process
and converge on the same count."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlmodel import col, select

from ecabinet.db import Database
from ecabinet.models import Ballot
from ecabinet.settings import Settings

from ..support.live import Tablet, make_session, tablet
from .conftest import Follower, Process, eventually


def on(one: Tablet, process: Process) -> Tablet:
    """The same tablet (cookies, passkey) talking to another server process."""
    client = httpx.AsyncClient(base_url=process.url, cookies=one.client.cookies)
    return Tablet(client, one.device, one.seat)


# Opened before anyone checks in: the chair confirms the warning about the quorum.
OPEN_ANYWAY = {"confirm": True}


async def _post(one: Tablet, url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await one.client.post(url, json=body or {})
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


async def _tablets(process: Process, settings: Settings, seats: list[Any]) -> list[Tablet]:
    return [await tablet(httpx.AsyncHTTPTransport(), process.url, settings, seat) for seat in seats]


def _token(one: Tablet) -> str:
    return str(one.client.cookies["ecab_session"])


async def test_a_vote_cast_through_one_process_reaches_a_tablet_on_another(
    processes: list[Process], db: Database, settings: Settings
) -> None:
    first, second = processes
    live = await make_session(db, settings, consent=0)
    chair, member = await _tablets(first, settings, [live.seats["chair"], live.seats["member"]])
    meeting = live.meeting_id
    follower = Follower(settings.origin, _token(member), meeting, [second])
    await follower.start()
    try:
        await eventually(
            lambda: follower.connected_to is second and follower.last >= 0,
            what="the tablet on the second process",
        )
        await _post(chair, f"/api/meetings/{meeting}/session/open", OPEN_ANYWAY)
        for one in (chair, member):
            assert (await one.check_in(meeting)).status_code == 200
        await _post(chair, f"/api/meetings/{meeting}/session/next")
        poll = await _post(chair, f"/api/items/{live.items[0]}/polls")
        await eventually(lambda: follower.cast == 0, what="the open vote")
        assert (await member.vote(poll, "for")).status_code == 201
        await eventually(lambda: follower.cast == 1, what="the first ballot's count")
        assert (await chair.vote(poll, "for")).status_code == 201
        await eventually(lambda: follower.cast == 2, what="the second ballot's count")
        await _post(chair, f"/api/polls/{poll['id']}/close")
        await eventually(lambda: bool(follower.state.get("results")), what="the result")
        assert follower.state["results"][0]["rule"] == "majority_for"
        assert follower.connected_to is second and follower.reconnections == 0
    finally:
        await follower.stop()
        for one in (chair, member):
            await one.client.aclose()


async def _cast(one: Tablet, poll: dict[str, Any], signed: dict[str, Any]) -> str | None:
    """The receipt if the server acknowledged the ballot, None if the answer never came."""
    try:
        answer = await one.client.post(f"/api/polls/{poll['id']}/ballots", json=signed)
    except httpx.TransportError:
        return None
    return str(answer.json()["receipt"]) if answer.status_code == 201 else None


async def test_a_process_killed_mid_vote_loses_no_acknowledged_ballot(
    processes: list[Process], db: Database, settings: Settings
) -> None:
    first, second = processes
    live = await make_session(db, settings, consent=0, extra_members=6)
    voters = await _tablets(first, settings, live.voters)
    chair, meeting = voters[0], live.meeting_id
    await _post(chair, f"/api/meetings/{meeting}/session/open", OPEN_ANYWAY)
    for one in voters:
        assert (await one.check_in(meeting)).status_code == 200
    await _post(chair, f"/api/meetings/{meeting}/session/next")
    poll = await _post(chair, f"/api/items/{live.items[0]}/polls")
    followers = [
        Follower(settings.origin, _token(one), meeting, [first, second]) for one in voters[1:4]
    ]
    opened: list[Tablet] = [*voters]
    for follower in followers:
        await follower.start()
    try:
        await eventually(
            lambda: all(f.connected_to is first and f.cast == 0 for f in followers),
            what="tablets on the first process",
        )
        signed = [(await one.ballot(poll, "for"))[1] for one in voters]
        acknowledged = [
            await _cast(one, poll, body) for one, body in zip(voters[:3], signed[:3], strict=True)
        ]
        assert None not in acknowledged
        # Five ballots in flight, and the process dies under them.
        flight = [
            asyncio.create_task(_cast(one, poll, body))
            for one, body in zip(voters[3:], signed[3:], strict=True)
        ]
        await asyncio.sleep(0.005)
        first.kill()
        late = await asyncio.gather(*flight)
        acknowledged += late

        # The tablets notice, move to the other process, and catch up from a snapshot.
        await eventually(
            lambda: all(f.connected_to is second for f in followers),
            what="tablets moving to the second process",
        )
        survivors = [on(one, second) for one in voters]
        opened.extend(survivors)
        for one, receipt in zip(survivors, acknowledged, strict=True):
            if receipt is None and (await one.snapshot(meeting))["me"]["ballot"] is None:
                assert (await one.vote(poll, "for")).status_code == 201
        await eventually(
            lambda: all(f.cast == len(voters) for f in followers),
            what="every tablet on the final count",
        )

        async with db.read() as session:
            stored = set(
                (
                    await session.exec(
                        select(Ballot.receipt).where(col(Ballot.superseded_by_id).is_(None))
                    )
                ).all()
            )
        assert len(stored) == len(voters)
        assert {r for r in acknowledged if r is not None} <= stored

        # The first process comes back; when the second dies too, the tablets return to it.
        first.start()
        second.kill()
        await eventually(
            lambda: all(f.connected_to is first for f in followers),
            within=15,
            what="tablets back on the restarted process",
        )
        opened.append(on(chair, first))
        await _post(opened[-1], f"/api/polls/{poll['id']}/close")
        await eventually(
            lambda: all(f.state.get("results") for f in followers),
            what="the result on every tablet",
        )
        assert {f.state["results"][0]["outcome"]["for"] for f in followers} == {len(voters)}
    finally:
        for follower in followers:
            await follower.stop()
        for one in opened:
            await one.client.aclose()

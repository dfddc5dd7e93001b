"""Timed live votes: the chair gives a duration, every screen counts down, ballots after the
deadline are refused with the poll-closed refusal, and the sweeper closes the vote once,
however many processes sweep."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlmodel import col, select

from ecabinet import clock, sweeper
from ecabinet.actions import live_votes, session
from ecabinet.db import Database
from ecabinet.errors import ValidationFailed
from ecabinet.models import AuditEvent
from ecabinet.settings import Settings

from ..support.live import Session, Tablet, actor, attend, make_session, post, tablet

DEADLINE_PASSED = "The deadline of this poll has passed; the ballot was not recorded."


async def _closings(db: Database) -> list[AuditEvent]:
    async with db.read() as reading:
        rows = await reading.exec(
            select(AuditEvent).where(AuditEvent.kind == "vote.closed").order_by(col(AuditEvent.id))
        )
        return list(rows.all())


async def _voting(
    client: httpx.AsyncClient, db: Database, settings: Settings, made: list[Tablet]
) -> tuple[Session, Tablet, Tablet]:
    live = await make_session(db, settings, extra_members=1)
    chair, member = [
        await tablet(client._transport, str(client.base_url), settings, live.seats[role])
        for role in ("chair", "member")
    ]
    made += [chair, member]
    await post(chair, f"/api/meetings/{live.meeting_id}/session/open", {"confirm": True})
    for one in (chair, member):
        assert (await one.check_in(live.meeting_id)).status_code == 200
    await post(chair, f"/api/meetings/{live.meeting_id}/consent-block/adopt")
    await post(chair, f"/api/meetings/{live.meeting_id}/session/next")
    return live, chair, member


async def test_a_timed_vote_refuses_late_ballots_and_closes_itself_once(
    client: httpx.AsyncClient, db: Database, settings: Settings, tablets: list[Tablet]
) -> None:
    live, chair, member = await _voting(client, db, settings, tablets)
    item = live.items[1]
    too_short = await chair.client.post(f"/api/items/{item}/polls", json={"duration": 5})
    assert too_short.status_code == 422
    assert too_short.json()["detail"] == "A timed vote lasts from 15 seconds to 240 minutes."

    poll = await post(
        chair, f"/api/items/{item}/polls", {"question": "Thông qua Tờ trình số 2?", "duration": 120}
    )
    shown = (await member.snapshot(live.meeting_id))["poll"]
    assert shown["deadline"] == poll["deadline"]
    assert 118 <= shown["left"] <= 120  # what every tablet counts down from
    display = (await member.client.get(f"/api/meetings/{live.meeting_id}/display")).json()
    assert display["poll"]["deadline"] == poll["deadline"]
    assert (await member.vote(poll, "for")).status_code == 201
    _, signed_in_time = await chair.ballot(poll, "for")  # signed now, sent too late

    assert (await sweeper.sweep_once(db, settings)).votes_closed == 0  # not yet due
    with clock.moved(timedelta(seconds=121)):
        late = await chair.client.post(f"/api/polls/{poll['id']}/ballots", json=signed_in_time)
        assert late.status_code == 409 and late.json()["detail"] == DEADLINE_PASSED
        asked = await chair.options(poll, "against")
        assert asked.status_code == 409 and asked.json()["detail"] == DEADLINE_PASSED
        # Until a sweep closes it, the screens show it closing, with nothing left.
        assert (await member.snapshot(live.meeting_id))["poll"]["left"] == 0
        assert (await sweeper.sweep_once(db, settings)).votes_closed == 1
        assert (await sweeper.sweep_once(db, settings)).votes_closed == 0

    after = await member.snapshot(live.meeting_id)
    assert after["poll"] is None
    [result] = after["results"]
    assert result["outcome"]["for"] == 1 and not result["passed"]  # 1 of 3: rejected
    assert after["agenda"][1]["status"] == "rejected"
    [closing] = await _closings(db)
    assert closing.actor_id is None and closing.data["by"] == "deadline"
    again = await chair.client.post(f"/api/polls/{poll['id']}/close", json={})
    assert again.status_code == 409 and again.json()["detail"] == "This vote is already closed."


async def test_two_processes_at_the_deadline_close_the_vote_once(
    db: Database, settings: Settings
) -> None:
    live = await make_session(db, settings)
    chair = await actor(db, live.seats["chair"].person_id)
    await attend(db, live.meeting_id, live.seats["chair"], live.seats["member"])
    async with db.transaction() as tx:
        await session.open_session(tx, chair, live.meeting_id)
    async with db.transaction() as tx:
        await session.adopt_consent_block(tx, chair, live.meeting_id)
    async with db.transaction() as tx:
        await session.take_item(tx, chair, live.meeting_id)
    async with db.transaction() as tx:
        poll = await live_votes.open_vote(tx, chair, live.items[1], duration=15)
    assert poll.id is not None and poll.deadline is not None and poll.opened_at is not None
    assert poll.deadline - poll.opened_at == timedelta(seconds=15)

    async def close() -> bool:
        async with db.transaction() as tx:
            return await live_votes.close_if_due(tx, poll.id or 0) is not None

    assert await close() is False  # before the deadline nothing happens
    with clock.moved(timedelta(seconds=16)):
        async with db.read_only() as reading:
            assert poll.id in await live_votes.due_votes(reading)
        assert sorted(await asyncio.gather(close(), close(), close())) == [False, False, True]
    closings = [e for e in await _closings(db) if e.data.get("poll") == poll.id]
    assert len(closings) == 1


async def test_a_duration_out_of_range_is_refused(db: Database, settings: Settings) -> None:
    live = await make_session(db, settings)
    chair = await actor(db, live.seats["chair"].person_id)
    await attend(db, live.meeting_id, live.seats["chair"], live.seats["member"])
    async with db.transaction() as tx:
        await session.open_session(tx, chair, live.meeting_id)
    async with db.transaction() as tx:
        await session.take_item(tx, chair, live.meeting_id, live.items[1])
    for seconds in (14, 4 * 3600 + 1):
        with pytest.raises(ValidationFailed, match="from 15 seconds to 240 minutes"):
            async with db.transaction() as tx:
                await live_votes.open_vote(tx, chair, live.items[1], duration=seconds)

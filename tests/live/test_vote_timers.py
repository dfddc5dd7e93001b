"""A timed vote closes at its deadline, not at the next sweep: each process times the
votes it opened (and, on start, those already open) and runs the same idempotent close
as the sweeper. Time here is the injectable clock, moved by the timer's own naps: no
test waits for the wall clock."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlmodel import col, select

from ecabinet import clock
from ecabinet.actions import live_votes, session
from ecabinet.db import Database
from ecabinet.models import AuditEvent, Poll, utcnow
from ecabinet.settings import Settings
from ecabinet.vote_timers import NAP_SECONDS, VoteTimers

from ..support.live import Session, actor, attend, make_session


class VirtualTime:
    """A clock that only the timer's naps move forward."""

    def __init__(self) -> None:
        self.now = utcnow()
        self.naps: list[float] = []
        self.running = asyncio.Event()  # time stands still until set
        self.running.set()

    async def sleep(self, seconds: float) -> None:
        await self.running.wait()
        self.naps.append(seconds)
        self.now += timedelta(seconds=seconds)


async def _taken(db: Database, settings: Settings) -> Session:
    live = await make_session(db, settings)
    chair = await actor(db, live.seats["chair"].person_id)
    await attend(db, live.meeting_id, live.seats["chair"], live.seats["member"])
    for step in (session.open_session, session.adopt_consent_block, session.take_item):
        async with db.transaction() as tx:
            await step(tx, chair, live.meeting_id)
    return live


async def _open(db: Database, live: Session, seconds: int) -> Poll:
    chair = await actor(db, live.seats["chair"].person_id)
    async with db.transaction() as tx:
        return await live_votes.open_vote(tx, chair, live.items[1], duration=seconds)


async def _closings(db: Database, poll_id: int) -> list[AuditEvent]:
    async with db.read() as reading:
        rows = await reading.exec(
            select(AuditEvent).where(AuditEvent.kind == "vote.closed").order_by(col(AuditEvent.id))
        )
        return [e for e in rows.all() if e.data.get("poll") == poll_id]


async def test_a_timed_vote_closes_at_its_deadline_in_the_process_that_opened_it(
    db: Database, settings: Settings
) -> None:
    live = await _taken(db, settings)
    time = VirtualTime()
    timers = VoteTimers(db, sleep=time.sleep)
    with clock.running(lambda: time.now):
        await timers.start()
        poll = await _open(db, live, 40)
        assert poll.id is not None and poll.deadline is not None
        assert await timers.time(poll.id) is True
        await timers.stop()
    async with db.read() as reading:
        closed = await reading.get(Poll, poll.id)
    assert closed is not None and closed.state == "closed" and closed.closed_at is not None
    # At its deadline, to the second; the timer napped its way there, at most 5 s a nap.
    assert timedelta(0) <= closed.closed_at - poll.deadline < timedelta(seconds=1)
    assert max(time.naps) <= NAP_SECONDS and sum(time.naps) >= 40 - 1
    [closing] = await _closings(db, poll.id)
    assert closing.actor_id is None and closing.data["by"] == "deadline"


async def test_a_vote_closed_earlier_is_not_closed_again_and_open_ones_are_timed_on_start(
    db: Database, settings: Settings
) -> None:
    live = await _taken(db, settings)
    time = VirtualTime()
    time.running.clear()
    with clock.running(lambda: time.now):
        poll = await _open(db, live, 60)  # opened before this process's timers started
        assert poll.id is not None
        timers = VoteTimers(db, sleep=time.sleep)
        await timers.start()
        assert poll.id in timers.timers
        chair = await actor(db, live.seats["chair"].person_id)
        async with db.transaction() as tx:
            await live_votes.close_vote(tx, chair, poll.id)
        time.running.set()
        assert await timers.time(poll.id) is False
        await timers.stop()
    closings = await _closings(db, poll.id)
    assert [c.data["by"] for c in closings] == ["chair"]
    assert isinstance(closings[0].at, datetime)

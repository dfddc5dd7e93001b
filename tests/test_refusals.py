"""Audit what matters, count the rest: a signed-in person's refusals are each in the chain;
anonymous ones are written once per client and kind a minute, then counted."""

from __future__ import annotations

import httpx
from sqlmodel import col, select
from starlette.applications import Starlette

from ecabinet.audit import verify_chain
from ecabinet.db import Database
from ecabinet.models import AuditEvent
from ecabinet.web import refusals
from ecabinet.web.ratelimit import RateLimiter
from ecabinet.web.refusals import RefusalTally

from .support.packets import People


async def _events(db: Database, prefix: str = "refused.") -> list[AuditEvent]:
    async with db.read() as session:
        rows = await session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.kind).startswith(prefix))
            .order_by(col(AuditEvent.seq))
        )
        return list(rows.all())


async def test_anonymous_refusals_are_written_once_a_minute_then_counted(
    app: Starlette, client: httpx.AsyncClient, db: Database
) -> None:
    for _ in range(40):
        refused = await client.post("/language", data={"locale": "en"})
        assert refused.status_code == 403
    assert [e.kind for e in await _events(db)] == ["refused.csrf"]
    await refusals.flush(db, app.state.refusals.flush_all())
    events = await _events(db)
    assert [e.kind for e in events] == ["refused.csrf", "refused.repeated"]
    assert events[1].data["refused"] == "csrf" and events[1].data["count"] == 39
    assert events[1].subject == "client:127.0.0.1"
    async with db.read() as session:
        assert (await verify_chain(session)).ok


async def test_guessed_enrollment_links_count_against_the_rate_limit(
    app: Starlette, client: httpx.AsyncClient, db: Database
) -> None:
    app.state.guesses = RateLimiter(5)
    statuses = [(await client.get(f"/enroll/guess-{n}")).status_code for n in range(8)]
    assert statuses == [403] * 5 + [429] * 3
    assert [e.kind for e in await _events(db)] == ["refused.enrollment", "refused.rate-limited"]


async def test_a_signed_in_persons_refusals_each_stay_in_the_chain(
    people: People, db: Database
) -> None:
    member = people["member"]
    before = len(await _events(db))
    for _ in range(5):
        refused = await member.post("/language", data={"locale": "en"})
        assert refused.status_code == 403
    csrf = [e for e in (await _events(db))[before:] if e.kind == "refused.csrf"]
    assert len(csrf) == 5 and all(e.actor_id == people.seats["member"].person_id for e in csrf)


def test_the_tally_opens_a_new_window_each_minute_and_bounds_its_sources() -> None:
    tally = RefusalTally()
    assert tally.first("10.0.0.1", "csrf", now=0.0)
    assert not tally.first("10.0.0.1", "csrf", now=30.0)
    assert tally.first("10.0.0.1", "csrf", now=61.0)
    [done] = tally.due(now=61.0)
    assert (done.source, done.kind, done.repeats) == ("10.0.0.1", "csrf", 1)
    assert tally.due(now=200.0) == []  # the new window counted nothing beyond its first

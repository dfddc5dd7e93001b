"""Events reach subscribers only after the transaction that caused them commits."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from ecabinet.db import Database
from ecabinet.events import Event, EventKind, MeetingChanged, PollMoved
from ecabinet.models import Body


async def test_events_are_published_after_commit_in_order(db: Database) -> None:
    seen: list[tuple[str, bool]] = []

    async def subscriber(events: Sequence[Event]) -> None:
        async with db.read() as session:
            committed = await session.get(Body, events[0].data["body_id"]) is not None
        seen.extend((e.kind, committed) for e in events)

    db.bus.subscribe(subscriber)
    async with db.transaction() as tx:
        body = Body(slug="uy-ban", name="Ủy ban nhân dân tỉnh")
        tx.session.add(body)
        await tx.session.flush()
        tx.emit(Event.of(EventKind.MEETING_PUBLISHED, MeetingChanged(7, {"body_id": body.id})))
        tx.emit(Event.of(EventKind.AGENDA_CHANGED, MeetingChanged(7, {"body_id": body.id})))
        assert seen == []
    assert seen == [("meeting.published", True), ("agenda.changed", True)]


async def test_no_event_on_rollback(db: Database) -> None:
    seen: list[Event] = []

    async def subscriber(events: Sequence[Event]) -> None:
        seen.extend(events)

    db.bus.subscribe(subscriber)
    with pytest.raises(ValueError, match="refused"):
        async with db.transaction() as tx:
            tx.emit(Event.of(EventKind.VOTE_OPENED, MeetingChanged(7)))
            raise ValueError("refused")
    assert seen == []


async def test_a_failing_subscriber_does_not_fail_the_committed_change(db: Database) -> None:
    seen: list[Event] = []

    async def broken(events: Sequence[Event]) -> None:
        raise RuntimeError("listener bug")

    async def healthy(events: Sequence[Event]) -> None:
        seen.extend(events)

    db.bus.subscribe(broken)
    db.bus.subscribe(healthy)
    async with db.transaction() as tx:
        tx.emit(Event.of(EventKind.POLL_SENT, PollMoved(3, "sent")))
    assert [e.kind for e in seen] == ["poll.sent"]

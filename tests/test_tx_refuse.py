"""tx.refuse: a refusal commits its own effects and its audit event together, once; any
other error rolls the transaction back."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlmodel import select

from ecabinet import audit
from ecabinet.actions.ballots import BallotRefused
from ecabinet.db import Database
from ecabinet.errors import Conflict
from ecabinet.events import Event, EventKind, PollMoved
from ecabinet.models import AuditEvent, Body


async def _state(db: Database) -> tuple[list[str], list[str]]:
    async with db.read() as session:
        bodies = [b.slug for b in (await session.exec(select(Body))).all()]
        kinds = [e.kind for e in (await session.exec(select(AuditEvent))).all()]
        assert (await audit.verify_chain(session)).ok
    return bodies, kinds


async def test_a_refusal_keeps_what_was_done_and_its_record_and_sends_its_events(
    db: Database,
) -> None:
    sent: list[Event] = []

    async def subscriber(events: Sequence[Event]) -> None:
        sent.extend(events)

    db.bus.subscribe(subscriber)
    with pytest.raises(BallotRefused) as raised:
        async with db.transaction() as tx:
            tx.session.add(Body(slug="burned", name="A challenge that was used up"))
            tx.emit(Event.of(EventKind.POLL_SENT, PollMoved(1, "sent")))
            await tx.refuse(
                BallotRefused("This ballot was signed with another member's passkey."),
                actor_id=7,
                subject="poll:1",
            )
    assert raised.value.recorded
    assert await _state(db) == (["burned"], ["refused.ballot"])
    assert [e.kind for e in sent] == ["poll.sent"]  # as after any commit
    async with db.read() as session:
        event = (await session.exec(select(AuditEvent))).one()
    assert (event.actor_id, event.subject) == (7, "poll:1")
    assert event.data == {"reason": "This ballot was signed with another member's passkey."}


async def test_any_other_error_rolls_everything_back(db: Database) -> None:
    with pytest.raises(Conflict) as raised:
        async with db.transaction() as tx:
            tx.session.add(Body(slug="undone", name="Rolled back"))
            await audit.record(tx.session, "body.created")
            raise Conflict("Something else went wrong.")
    assert not raised.value.recorded
    assert await _state(db) == ([], [])


async def test_a_refusal_that_names_nobody_is_left_to_the_counting_handler(db: Database) -> None:
    with pytest.raises(BallotRefused) as raised:
        async with db.transaction() as tx:
            tx.session.add(Body(slug="burned", name="A challenge that was used up"))
            await tx.refuse(BallotRefused("This link was guessed."), subject="/enroll/x")
    assert not raised.value.recorded
    assert raised.value.anonymous_audit == {"subject": "/enroll/x"}
    assert await _state(db) == (["burned"], [])

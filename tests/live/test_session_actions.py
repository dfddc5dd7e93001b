"""The session's state machine at the action level: the allowed-step table, a session
from opening to closing, and each refusal with its precise reason, all audited and each
reaching the tablets as a numbered event after commit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import pytest
from sqlmodel import select

from ecabinet.actions import live_votes, session
from ecabinet.actions.attendance import quorum_of, seats_of
from ecabinet.actions.session import ALLOWED, Phase, Step, refusal
from ecabinet.auth.actor import Actor
from ecabinet.db import Database, Tx
from ecabinet.errors import Conflict, Forbidden, ValidationFailed
from ecabinet.events import Event
from ecabinet.models import (
    AgendaItem,
    Attendance,
    AuditEvent,
    Ballot,
    Body,
    Meeting,
    PasskeyCredential,
    PollQuestion,
    utcnow,
)
from ecabinet.realtime import outbox
from ecabinet.settings import Settings

from ..support.live import (
    Session,
    actor,
    add_deputy,
    attend,
    audit_kinds,
    make_session,
    meeting_row,
    seat_id,
)

T = TypeVar("T")


@pytest.fixture
async def live(db: Database, settings: Settings) -> Session:
    """A published meeting: its first item in the consent block, two for debate."""
    return await make_session(db, settings)


@pytest.fixture
async def chair(db: Database, live: Session) -> Actor:
    return await actor(db, live.seats["chair"].person_id)


async def apply(db: Database, step: Callable[[Tx], Awaitable[T]]) -> T:
    """One step of the session, in a transaction of its own (as a request runs it)."""
    async with db.transaction() as tx:
        return await step(tx)


@pytest.fixture
def events(db: Database) -> list[Event]:
    outbox.install(db)
    seen: list[Event] = []

    async def collect(batch: Sequence[Event]) -> None:
        seen.extend(batch)

    db.bus.subscribe(collect)
    return seen


def test_every_step_is_allowed_or_refused_with_a_reason() -> None:
    for step in Step:
        for phase in Phase:
            why = refusal(step, phase)
            assert (why is None) == (phase in ALLOWED[step]), (step, phase)
            assert why is None or why.endswith(".")
    assert refusal(Step.OPEN_VOTE, Phase.VOTING) == (
        "A vote is already open on this item; close it before opening another."
    )
    assert refusal(Step.CLOSE_SESSION, Phase.VOTING) == (
        "A vote is open: close it before closing the session."
    )


async def _items(db: Database, live: Session) -> dict[int, str]:
    async with db.read() as db_session:
        rows = (
            await db_session.exec(
                select(AgendaItem).where(AgendaItem.meeting_id == live.meeting_id)
            )
        ).all()
    return {row.id or 0: row.status for row in rows}


async def _ballot(db: Database, live: Session, poll_id: int, who: str, choice: str) -> None:
    """A ballot row as cast_ballot stores it (its passkey path is tested via the API)."""
    membership = await seat_id(db, live.seats[who])
    async with db.transaction() as tx:
        question = (
            await tx.session.exec(select(PollQuestion).where(PollQuestion.poll_id == poll_id))
        ).one()
        key = PasskeyCredential(
            person_id=live.seats[who].person_id,
            credential_id=f"{who}-{poll_id}",
            public_key_cose=b"",
        )
        tx.session.add(key)
        await tx.session.flush()
        tx.session.add(
            Ballot(
                poll_id=poll_id,
                question_id=question.id or 0,
                membership_id=membership,
                choice=choice,
                payload="{}",
                receipt=f"{who}-{poll_id}",
                credential_id=key.id or 0,
                authenticator_data=b"",
                client_data_json=b"",
                signature=b"",
                public_key_spki_pem="",
            )
        )


async def test_a_session_from_opening_to_closing(
    db: Database, live: Session, chair: Actor, events: list[Event]
) -> None:
    consent, first, second = live.items
    await attend(db, live.meeting_id, live.seats["chair"], live.seats["member"])

    # With the quorum present: no warning.
    await apply(db, lambda tx: session.open_session(tx, chair, live.meeting_id))
    adopted = await apply(db, lambda tx: session.adopt_consent_block(tx, chair, live.meeting_id))
    assert [i.id for i in adopted] == [consent]
    taken = await apply(db, lambda tx: session.take_item(tx, chair, live.meeting_id))
    assert taken.id == first  # the next item of the live agenda, in order
    poll = await apply(
        db, lambda tx: live_votes.open_vote(tx, chair, first, question="Thông qua Tờ trình 2?")
    )
    assert poll.id is not None and poll.electorate == 2 and poll.kind == "live"
    await _ballot(db, live, poll.id, "chair", "for")
    await _ballot(db, live, poll.id, "member", "for")
    closed = await apply(db, lambda tx: live_votes.close_vote(tx, chair, poll.id or 0))
    assert closed.outcome.passed and closed.outcome.rule == "majority_for"
    await apply(
        db, lambda tx: session.conclude_item(tx, chair, first, text="Giao Bộ Tư pháp hoàn thiện.")
    )
    await apply(db, lambda tx: session.take_item(tx, chair, live.meeting_id))
    await apply(db, lambda tx: session.close_session(tx, chair, live.meeting_id))

    assert await _items(db, live) == {consent: "adopted", first: "adopted", second: "deferred"}
    meeting = await meeting_row(db, live.meeting_id)
    assert meeting.state == "closed" and meeting.current_item_id is None
    assert await audit_kinds(db, "session.") + await audit_kinds(db, "vote.") == [
        "session.consent_adopted",
        "session.item_taken",
        "session.item_concluded",
        "session.item_taken",
        "session.items_deferred",
        "vote.opened",
        "vote.closed",
    ]
    assert {"meeting.session_opened", "meeting.closed"} <= set(await audit_kinds(db))
    numbers = [outbox.seq_of(e) for e in events if e.meeting_id == live.meeting_id]
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    assert numbers[-1] == meeting.event_seq


async def test_a_tie_is_broken_by_the_chairs_side(db: Database, settings: Settings) -> None:
    live = await make_session(db, settings, extra_members=2)
    chair = await actor(db, live.seats["chair"].person_id)
    await attend(db, live.meeting_id, *live.voters)
    async with db.transaction() as tx:
        await session.open_session(tx, chair, live.meeting_id, confirm=True)
        await session.take_item(tx, chair, live.meeting_id, live.items[1])
        poll = await live_votes.open_vote(tx, chair, live.items[1])
    assert poll.id is not None
    await _ballot(db, live, poll.id, "chair", "for")
    await _ballot(db, live, poll.id, "member-1", "for")
    await _ballot(db, live, poll.id, "member", "against")
    await _ballot(db, live, poll.id, "member-2", "against")
    closed = await apply(db, lambda tx: live_votes.close_vote(tx, chair, poll.id or 0))
    # 2 for of 4 members is not more than half; the tie goes the chair's way.
    assert closed.outcome.passed and closed.outcome.rule == "tie_chair_for"
    assert closed.question.outcome is not None and closed.question.outcome["present"] == 4


async def _refused(
    db: Database, error: type[Exception], message: str, step: Callable[[Tx], Awaitable[Any]]
) -> None:
    with pytest.raises(error) as caught:
        await apply(db, step)
    assert message in str(caught.value)


async def test_each_refusal_says_why(db: Database, live: Session, chair: Actor) -> None:
    consent, first, _second = live.items
    member = await actor(db, live.seats["member"].person_id)
    meeting = live.meeting_id

    await _refused(
        db,
        Conflict,
        "The session has not been opened yet.",
        lambda tx: session.take_item(tx, chair, meeting),
    )
    await _refused(
        db,
        Forbidden,
        "Only the chair, or the secretariat",
        lambda tx: session.open_session(tx, member, meeting),
    )
    await _refused(
        db,
        Conflict,
        "There is no quorum yet: 0 of 2 members have checked in and "
        "2 are needed. Open the session anyway only if members will check in "
        "before any vote (confirm to open).",
        lambda tx: session.open_session(tx, chair, meeting),
    )
    # The chair confirmed the warning.
    await apply(db, lambda tx: session.open_session(tx, chair, meeting, confirm=True))
    async with db.read() as read:
        opened = (
            await read.exec(
                select(AuditEvent).where(AuditEvent.kind == "session.opened_without_quorum")
            )
        ).one()
    assert (opened.subject, opened.data) == (
        f"meeting:{meeting}",
        {"present": 0, "members": 2, "needed": 2},
    )
    await _refused(
        db,
        Conflict,
        "The session is already open.",
        lambda tx: session.open_session(tx, chair, meeting),
    )
    await _refused(
        db,
        Conflict,
        "No item is being taken: take the next item first.",
        lambda tx: live_votes.open_vote(tx, chair, first),
    )
    await _refused(
        db,
        Conflict,
        "This item is in the consent block",
        lambda tx: session.take_item(tx, chair, meeting, consent),
    )
    await apply(db, lambda tx: session.take_item(tx, chair, meeting, first))
    await _refused(
        db,
        Conflict,
        "There is no quorum: 0 of 2 members are present and 2 are needed.",
        lambda tx: live_votes.open_vote(tx, chair, first),
    )
    await _refused(
        db,
        ValidationFailed,
        "does not vote by secret ballot",
        lambda tx: live_votes.open_vote(tx, chair, first, secret=True),
    )
    await _refused(
        db,
        Conflict,
        "Record the conclusion of the current item",
        lambda tx: session.take_item(tx, chair, meeting),
    )
    await attend(db, meeting, live.seats["chair"], live.seats["member"])
    poll = await apply(db, lambda tx: live_votes.open_vote(tx, chair, first))
    assert poll.id is not None
    await _refused(
        db,
        Conflict,
        "A vote is open: close it before closing the session.",
        lambda tx: session.close_session(tx, chair, meeting),
    )
    await _refused(
        db,
        Conflict,
        "A vote is open: close it before moving on.",
        lambda tx: session.take_item(tx, chair, meeting),
    )
    await _refused(
        db,
        Conflict,
        "close it before recording the conclusion",
        lambda tx: session.conclude_item(tx, chair, first, text="x"),
    )
    await _refused(
        db, Forbidden, "Only the chair", lambda tx: live_votes.close_vote(tx, member, poll.id or 0)
    )
    await apply(db, lambda tx: live_votes.close_vote(tx, chair, poll.id or 0))
    await _refused(
        db,
        Conflict,
        "This vote is already closed.",
        lambda tx: live_votes.close_vote(tx, chair, poll.id or 0),
    )
    await _refused(
        db,
        Conflict,
        "This item was already decided",
        lambda tx: session.conclude_item(tx, chair, first, text="", defer=True),
    )
    await apply(db, lambda tx: session.adopt_consent_block(tx, chair, meeting))
    await _refused(
        db,
        Conflict,
        "The consent block was already adopted.",
        lambda tx: session.adopt_consent_block(tx, chair, meeting),
    )
    assert "refused" not in " ".join(await audit_kinds(db, "session."))


async def test_the_secretariat_runs_the_session_on_the_chairs_behalf(
    db: Database, settings: Settings
) -> None:
    live = await make_session(db, settings, consent=0)
    secretariat = await actor(db, live.seats["secretariat"].person_id)
    await apply(db, lambda tx: session.open_session(tx, secretariat, live.meeting_id, confirm=True))
    assert (await meeting_row(db, live.meeting_id)).state == "in_session"
    await _refused(
        db,
        Conflict,
        "The consent block is empty",
        lambda tx: session.adopt_consent_block(tx, secretariat, live.meeting_id),
    )


async def test_a_stand_in_attends_without_counting_unless_the_body_allows_it(
    db: Database, settings: Settings, live: Session
) -> None:
    deputy = await add_deputy(db, settings, live, live.seats["member"])
    member_seat, deputy_seat = (await seat_id(db, live.seats["member"]), await seat_id(db, deputy))
    async with db.transaction() as tx:
        tx.session.add(
            Attendance(
                meeting_id=live.meeting_id,
                membership_id=member_seat,
                mode="room",
                checked_in_at=utcnow(),
                stand_in_membership_id=deputy_seat,
            )
        )
    async with db.read() as db_session:
        meeting = await db_session.get(Meeting, live.meeting_id)
        body = await db_session.get(Body, live.body_id)
        assert meeting is not None and body is not None
        seats = await seats_of(db_session, meeting)
        assert [s.stand_in.full_name if s.stand_in else None for s in seats] == [None, "Thứ trưởng"]
        assert quorum_of(body, seats).present == 0
        body.stand_in_may_vote = True
        assert quorum_of(body, seats).present == 1

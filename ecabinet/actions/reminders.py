"""Who still owes an answer: positions missing before a meeting, written polls not yet
answered. The secretariat sees and chases them; each member sees what is open for them;
the sweeper reminds at each lead time before each deadline (``reminder_lead_hours``, or
the lead times a person chose)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import col, select

from .. import audit
from ..auth.actor import Actor
from ..auth.permissions import Permission, ensure_signed_in
from ..db import Tx
from ..errors import Conflict
from ..i18n import N_
from ..models import AgendaItem, Meeting, Membership, Poll, utcnow
from ..vocab import MeetingState, NoticeKind
from . import notifications, poll_results, positions
from .ballots import VOTING_ROLES


async def missing_by_member(tx: Tx, meeting: Meeting) -> dict[int, list[AgendaItem]]:
    """Per voting seat, the open items on which no position was submitted."""
    voters = await positions.electorate_of(tx, meeting)
    items = [
        i
        for i in await positions.items_of(tx, meeting.id)
        if i.status in positions.OPEN_ITEM_STATES
    ]
    given = {
        (p.item_id, p.membership_id)
        for p in await positions.positions_in(tx, [i.id for i in items if i.id is not None])
        if p.submitted_at is not None
    }
    result: dict[int, list[AgendaItem]] = {}
    for voter in voters:
        assert voter.id is not None
        missing = [i for i in items if (i.id, voter.id) not in given]
        if missing:
            result[voter.id] = missing
    return result


async def remind_positions(
    tx: Tx, actor: Actor | None, meeting: Meeting, *, leads: list[int] | None
) -> int:
    if positions.is_frozen(meeting):
        raise Conflict("Positions on this meeting are frozen; there is nothing to remind of.")
    missing = await missing_by_member(tx, meeting)
    seats = [s for s in await positions.electorate_of(tx, meeting) if s.id in missing]
    people = await notifications.with_assistants(tx, seats)
    sent = await notifications.remind(
        tx,
        people,
        kind=NoticeKind.POSITIONS_REMINDER,
        body_id=meeting.body_id,
        subject=f"meeting:{meeting.id}",
        link=f"/meetings/{meeting.id}/positions",
        leads=leads,
        due_at=positions.deadline_of(meeting),
        message=N_('Reminder: written positions on "%(meeting)s" are due by %(deadline)s.'),
        meeting=meeting.title,
        deadline=positions.stamp(positions.deadline_of(meeting)),
    )
    if sent or actor is not None:  # a sweep that reminded nobody is not news
        await audit.record(
            tx.session,
            "positions.reminded",
            actor_id=None if actor is None else actor.person_id,
            body_id=meeting.body_id,
            subject=f"meeting:{meeting.id}",
            people=[n.person_id for n in sent],
            automatic=actor is None,
        )
    return len(sent)


async def remind_positions_now(tx: Tx, actor: Actor, meeting_id: int) -> int:
    meeting = await positions.meeting_for(tx, actor, meeting_id, Permission.PREPARE_MEETINGS)
    return await remind_positions(tx, actor, meeting, leads=None)


async def remind_positions_due(tx: Tx, leads: list[int]) -> int:
    """The sweeper's reminders, once per meeting, person and lead time."""
    now = utcnow()
    rows = await tx.session.exec(
        select(Meeting).where(Meeting.state == MeetingState.PUBLISHED.value)
    )
    sent = 0
    for meeting in rows.all():
        if now < positions.deadline_of(meeting) and not positions.is_frozen(meeting):
            sent += await remind_positions(tx, None, meeting, leads=leads)
    return sent


@dataclass
class OpenWork:
    """What is still open for one person (as a member, or for the member they assist)."""

    positions: list[tuple[Meeting, Membership, list[AgendaItem]]] = field(default_factory=list)
    polls: list[Poll] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.positions and not self.polls


async def _seats_i_answer_for(tx: Tx, actor: Actor) -> tuple[list[Membership], list[Membership]]:
    """The actor's own voting seats, and the seats of the members they assist."""
    mine = [s for s in actor.memberships.values() if s.active]
    own = [s for s in mine if s.role in VOTING_ROLES and s.stand_in_for_id is None]
    assisted_ids = [s.assists_id for s in mine if s.assists_id is not None]
    assisted = (
        list(
            (
                await tx.session.exec(
                    select(Membership).where(col(Membership.id).in_(assisted_ids))
                )
            ).all()
        )
        if assisted_ids
        else []
    )
    return own, assisted


async def open_for(tx: Tx, actor: Actor) -> OpenWork:
    ensure_signed_in(actor)
    work = OpenWork()
    own, assisted = await _seats_i_answer_for(tx, actor)
    seats = own + assisted
    by_body: dict[int, list[Membership]] = {}
    for seat in seats:
        by_body.setdefault(seat.body_id, []).append(seat)
    if not by_body:
        return work
    meetings = (
        await tx.session.exec(
            select(Meeting)
            .where(
                col(Meeting.body_id).in_(list(by_body)),
                Meeting.state == MeetingState.PUBLISHED.value,
            )
            .order_by(col(Meeting.starts_at))
        )
    ).all()
    for meeting in meetings:
        if positions.is_frozen(meeting):
            continue
        missing = await missing_by_member(tx, meeting)
        for seat in by_body[meeting.body_id]:
            if seat.id in missing:
                work.positions.append((meeting, seat, missing[seat.id]))
    own_ids = {s.id for s in own}
    for poll in await poll_results.open_polls(tx):
        if poll.body_id in by_body and poll.deadline and utcnow() < poll.deadline:
            silent = {m.id for m in await poll_results.silent_voters(tx, poll)}
            if silent & own_ids:
                work.polls.append(poll)
    return work

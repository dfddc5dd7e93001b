"""Before the meeting, each member answers: I will attend, I will attend remotely, or I
send my apologies, naming the deputy who stands in for me. The secretariat sees the
quorum these answers promise, and a warning when it is not assured."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import col, select

from .. import audit
from ..auth.actor import Actor
from ..auth.permissions import ensure_signed_in
from ..db import Tx
from ..errors import Conflict, Forbidden, ValidationFailed
from ..models import AgendaItem, AttendancePlan, Body, Meeting, Membership, Person, rules_of, utcnow
from ..rules import ExpectedQuorum, Rules, expected_quorum
from ..vocab import MeetingState, PlannedAttendance
from .access import load_body, load_meeting, meeting_access
from .attendance import VOTING_ROLES, voting_seats


@dataclass(frozen=True)
class SeatPlan:
    membership: Membership
    person: Person
    plan: AttendancePlan | None
    stand_in: Person | None


async def _seat_for(tx: Tx, actor: Actor, meeting: Meeting) -> Membership:
    """The member's seat, or the seat of the member an assistant answers for."""
    ensure_signed_in(actor)
    seat = actor.seat(meeting.body_id)
    if seat is not None and seat.role in VOTING_ROLES and seat.stand_in_for_id is None:
        return seat
    if seat is not None and seat.assists_id is not None:
        assisted = await tx.session.get(Membership, seat.assists_id)
        if assisted is not None:
            return assisted
    raise Forbidden(
        "Only the members of the body (or their assistants) answer whether they will attend."
    )


async def answer(
    tx: Tx,
    actor: Actor,
    meeting_id: int,
    choice: str,
    *,
    stand_in: int | None = None,
    stand_in_items: Sequence[int] = (),
    note: str = "",
) -> AttendancePlan:
    meeting = await load_meeting(tx.session, meeting_id)
    if meeting.state != MeetingState.PUBLISHED.value:
        raise Conflict("Answers about attendance are given before the meeting opens.")
    seat = await _seat_for(tx, actor, meeting)
    try:
        planned = PlannedAttendance(choice)
    except ValueError:
        raise ValidationFailed("Answer attend, remote or apologies.") from None
    if stand_in is not None:
        if planned is not PlannedAttendance.APOLOGIES:
            raise ValidationFailed("A stand-in is named only with apologies.")
        deputy = await tx.session.get(Membership, stand_in)
        if deputy is None or not deputy.active or deputy.stand_in_for_id != seat.id:
            raise ValidationFailed(
                "The stand-in must be a deputy registered in this body to stand in for this member."
            )
    items = await _mandate(tx, meeting_id, stand_in, stand_in_items)
    row = (
        await tx.session.exec(
            select(AttendancePlan).where(
                AttendancePlan.meeting_id == meeting_id, AttendancePlan.membership_id == seat.id
            )
        )
    ).first()
    assert seat.id is not None
    row = row or AttendancePlan(meeting_id=meeting_id, membership_id=seat.id, answer="")
    row.answer, row.stand_in_membership_id = planned.value, stand_in
    row.stand_in_items = items
    row.note, row.answered_by_id, row.updated_at = note[:500], actor.person_id, utcnow()
    tx.session.add(row)
    await tx.session.flush()
    await audit.record(
        tx.session,
        "attendance.planned",
        actor_id=actor.person_id,
        body_id=meeting.body_id,
        subject=f"meeting:{meeting_id}",
        seat=seat.id,
        answer=planned.value,
        stand_in=stand_in,
        stand_in_items=items,
    )
    return row


async def items_of(tx: Tx, meeting: Meeting) -> list[AgendaItem]:
    """The agenda a stand-in's mandate may be limited to."""
    rows = await tx.session.exec(
        select(AgendaItem)
        .where(AgendaItem.meeting_id == meeting.id)
        .order_by(col(AgendaItem.ordinal), col(AgendaItem.id))
    )
    return list(rows.all())


async def _mandate(
    tx: Tx, meeting_id: int, stand_in: int | None, named: Sequence[int]
) -> list[int]:
    """The items a stand-in's mandate is limited to (none: the whole session)."""
    if not named:
        return []
    if stand_in is None:
        raise ValidationFailed("Agenda items are named only for a stand-in's mandate.")
    items = set(
        (
            await tx.session.exec(select(AgendaItem.id).where(AgendaItem.meeting_id == meeting_id))
        ).all()
    )
    strangers = sorted(set(named) - items)
    if strangers:
        raise ValidationFailed(
            "A stand-in's mandate names items of this meeting only; not %(items)s.",
            items=", ".join(str(i) for i in strangers),
        )
    return sorted(set(named))


async def mine(
    tx: Tx, actor: Actor, meeting: Meeting
) -> tuple[AttendancePlan | None, list[tuple[Membership, Person]]]:
    """The actor's answer for this meeting and the deputies they may name, or (None, [])
    when they answer for nobody. Refused for a meeting the actor may not see."""
    await meeting_access(tx.session, actor, meeting)
    try:
        seat = await _seat_for(tx, actor, meeting)
    except Forbidden:
        return None, []
    plan = (
        await tx.session.exec(
            select(AttendancePlan).where(
                AttendancePlan.meeting_id == meeting.id, AttendancePlan.membership_id == seat.id
            )
        )
    ).first()
    deputies = (
        await tx.session.exec(
            select(Membership, Person)
            .join(Person, Person.id == Membership.person_id)  # type: ignore[arg-type]
            .where(Membership.stand_in_for_id == seat.id, Membership.active)
        )
    ).all()
    return plan, [(m, p) for m, p in deputies]


def _coming(body: Body, plan: AttendancePlan | None) -> bool:
    if plan is None:
        return False
    if plan.answer in (PlannedAttendance.ATTEND.value, PlannedAttendance.REMOTE.value):
        return True
    # A stand-in counts towards the quorum only where stand-ins may vote.
    return plan.stand_in_membership_id is not None and body.stand_in_may_vote


async def plans_of(tx: Tx, meeting: Meeting) -> tuple[list[SeatPlan], ExpectedQuorum]:
    body = await load_body(tx.session, meeting.body_id)
    seats = await voting_seats(tx.session, meeting.body_id)
    plans = {
        p.membership_id: p
        for p in (
            await tx.session.exec(
                select(AttendancePlan).where(AttendancePlan.meeting_id == meeting.id)
            )
        ).all()
    }
    deputies = {
        m.id: p
        for m, p in (
            await tx.session.exec(
                select(Membership, Person)
                .join(Person, Person.id == Membership.person_id)  # type: ignore[arg-type]
                .where(Membership.body_id == meeting.body_id)
            )
        ).all()
    }
    rows = []
    for membership, person in seats:
        plan = plans.get(membership.id or 0)
        stand_in = (
            deputies.get(plan.stand_in_membership_id)
            if plan and plan.stand_in_membership_id
            else None
        )
        rows.append(SeatPlan(membership, person, plan, stand_in))
    coming = sum(1 for r in rows if _coming(body, r.plan))
    unanswered = sum(1 for r in rows if r.plan is None)
    rules = Rules.from_profile(rules_of(body))
    return rows, expected_quorum(rules, len(rows), coming, unanswered)

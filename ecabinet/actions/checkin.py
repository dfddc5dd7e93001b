"""Check-in: a member confirms presence with a fresh passkey assertion, in the room or
remote. A deputy who attends in a member's place checks in with their own passkey and is
recorded on the member's attendance as the stand-in."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from ..auth import passkeys
from ..auth.actor import Actor
from ..auth.permissions import ensure_signed_in
from ..db import Tx
from ..errors import Forbidden, ValidationFailed
from ..events import EventKind
from ..models import Attendance, AttendancePlan, Meeting, Membership, utcnow
from ..settings import Settings
from ..vocab import AttendanceMode
from . import session
from .access import load_meeting
from .attendance import VOTING_ROLES

PURPOSE = "checkin"
MODES = (AttendanceMode.ROOM.value, AttendanceMode.REMOTE.value)


class CheckInRefused(Forbidden):
    title = "Check-in not accepted"
    kind = "checkin"


def attending_seat(actor: Actor, meeting: Meeting) -> Membership:
    """The actor's seat that may attend: a voting seat, or a stand-in's seat."""
    ensure_signed_in(actor)
    seat = actor.seat(meeting.body_id)
    if seat is None or (seat.role not in VOTING_ROLES and seat.stand_in_for_id is None):
        raise CheckInRefused(
            "Only the members of the body (or a deputy standing in for one) "
            "check in to its sessions."
        )
    return seat


async def checkin_options(
    tx: Tx, settings: Settings, actor: Actor, meeting_id: int, *, mode: str, client: passkeys.Client
) -> dict[str, Any]:
    if mode not in MODES:
        raise ValidationFailed('Say where you attend from: "room" or "remote".')
    meeting = await load_meeting(tx.session, meeting_id)
    attending_seat(actor, meeting)
    await session.ensure_step(tx, meeting, session.Step.CHECK_IN)
    options = await passkeys.authentication_options(
        tx,
        settings,
        client=client,
        purpose=PURPOSE,
        person_id=actor.person_id,
        meeting=meeting_id,
        mode=mode,
    )
    return {"publicKey": options, "mode": mode}


async def check_in(
    tx: Tx, settings: Settings, actor: Actor, meeting_id: int, credential: dict[str, Any]
) -> Attendance:
    assertion = await passkeys.verify_assertion(tx, settings, credential, purpose=PURPOSE)
    subject = f"meeting:{meeting_id}"
    if assertion.person.id != actor.person_id:
        await tx.refuse(
            CheckInRefused("This check-in was signed with another person's passkey."),
            actor_id=actor.person_id,
            subject=subject,
        )
    if assertion.challenge.context.get("meeting") != meeting_id:
        await tx.refuse(
            CheckInRefused("This passkey answer was made for another meeting's check-in."),
            actor_id=actor.person_id,
            subject=subject,
        )
    meeting = await load_meeting(tx.session, meeting_id, lock=True)
    seat = attending_seat(actor, meeting)
    await session.ensure_step(tx, meeting, session.Step.CHECK_IN)
    mode = str(assertion.challenge.context.get("mode", AttendanceMode.ROOM.value))
    row = await _attend(tx, meeting, seat, mode)
    await session.record(
        tx,
        actor,
        meeting,
        EventKind.SESSION_CHECKED_IN,
        seat=row.membership_id,
        mode=mode,
        stand_in=row.stand_in_membership_id,
    )
    return row


async def _attend(tx: Tx, meeting: Meeting, seat: Membership, mode: str) -> Attendance:
    principal = seat.stand_in_for_id or seat.id
    assert principal is not None and meeting.id is not None
    row = (
        await tx.session.exec(
            select(Attendance).where(
                Attendance.meeting_id == meeting.id, Attendance.membership_id == principal
            )
        )
    ).first()
    stand_in = seat.id if seat.stand_in_for_id is not None else None
    if (
        row is not None
        and stand_in is not None
        and row.checked_in_at is not None
        and row.left_at is None
        and row.stand_in_membership_id is None
    ):
        raise CheckInRefused(
            "The member you stand in for is present in person; a stand-in is not needed."
        )
    if row is None:
        row = Attendance(meeting_id=meeting.id, membership_id=principal, mode=mode)
    row.mode, row.stand_in_membership_id = mode, stand_in
    row.stand_in_items = [] if stand_in is None else await _mandate(tx, meeting.id, principal, seat)
    row.checked_in_at, row.left_at, row.away_since = utcnow(), None, None
    tx.session.add(row)
    await tx.session.flush()
    return row


async def _mandate(tx: Tx, meeting_id: int, principal: int, seat: Membership) -> list[int]:
    """The items the member's attendance plan limits this stand-in to (none: all)."""
    plan = (
        await tx.session.exec(
            select(AttendancePlan).where(
                AttendancePlan.meeting_id == meeting_id, AttendancePlan.membership_id == principal
            )
        )
    ).first()
    if plan is None or plan.stand_in_membership_id != seat.id:
        return []
    return list(plan.stand_in_items)

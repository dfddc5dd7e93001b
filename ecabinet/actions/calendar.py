"""A private calendar feed (.ics) per person: the meetings of their bodies, the deadlines
for written positions and polls, and the follow-up tasks of their agency. The address
holds a secret (only its hash is kept); making a new one or revoking it ends the old one,
which then answers 404."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from icalendar import Calendar, Event
from sqlmodel import col, select

from .. import audit
from ..auth.actor import Actor
from ..auth.logins import hash_token
from ..auth.passkeys import refuse
from ..auth.permissions import ensure_signed_in
from ..db import Tx
from ..errors import NotFound
from ..i18n import gettext_for
from ..models import (
    CalendarFeed,
    FollowUpTask,
    Meeting,
    Membership,
    Person,
    Poll,
    utcnow,
)
from ..vocab import MeetingState, PollState, TaskState
from .seat_view import decide, seat_facts

# A meeting has no end time in the record: calendars show it as a morning's session.
MEETING_LENGTH = timedelta(hours=3)


async def _active(tx: Tx, person_id: int) -> list[CalendarFeed]:
    return list(
        (
            await tx.session.exec(
                select(CalendarFeed).where(
                    CalendarFeed.person_id == person_id, col(CalendarFeed.revoked_at).is_(None)
                )
            )
        ).all()
    )


async def has_feed(tx: Tx, actor: Actor) -> bool:
    ensure_signed_in(actor)
    return bool(await _active(tx, actor.person_id or 0))


async def new_feed(tx: Tx, actor: Actor) -> str:
    """A fresh secret address (the token); any earlier one stops working."""
    ensure_signed_in(actor)
    assert actor.person_id is not None
    await revoke(tx, actor, quiet=True)
    token = secrets.token_urlsafe(32)
    tx.session.add(CalendarFeed(person_id=actor.person_id, token_hash=hash_token(token)))
    await audit.record(
        tx.session,
        "calendar.created",
        actor_id=actor.person_id,
        subject=f"person:{actor.person_id}",
    )
    return token


async def revoke(tx: Tx, actor: Actor, *, quiet: bool = False) -> int:
    ensure_signed_in(actor)
    rows = await _active(tx, actor.person_id or 0)
    for row in rows:
        row.revoked_at = utcnow()
        tx.session.add(row)
    if rows and not quiet:
        await audit.record(
            tx.session,
            "calendar.revoked",
            actor_id=actor.person_id,
            subject=f"person:{actor.person_id}",
        )
    return len(rows)


async def owner_of(tx: Tx, token: str) -> Person:
    row = (
        await tx.session.exec(
            select(CalendarFeed).where(CalendarFeed.token_hash == hash_token(token))
        )
    ).first()
    person = (
        None
        if row is None or row.revoked_at is not None
        else await tx.session.get(Person, row.person_id)
    )
    if person is None or person.disabled_at is not None:
        await refuse(
            tx,
            NotFound("There is no calendar at this address; it may have been revoked."),
            subject="calendar",
        )
    assert person is not None
    return person


def _event(
    uid: str, summary: str, start: datetime, end: datetime | None, url: str, description: str = ""
) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("summary", summary)
    event.add("dtstamp", utcnow())
    event.add("dtstart", start)
    event.add("dtend", end or start + timedelta(minutes=30))
    event.add("url", url)
    if description:
        event.add("description", description)
    return event


async def feed(tx: Tx, origin: str, person: Person) -> bytes:
    """The person's calendar, in their language."""
    _ = gettext_for(person.locale)
    english = person.locale == "en"
    host = origin.split("://", 1)[-1]
    seats = (
        await tx.session.exec(
            select(Membership).where(Membership.person_id == person.id, col(Membership.active))
        )
    ).all()
    bodies = sorted({s.body_id for s in seats})
    seat_ids = [s.id for s in seats] + [s.assists_id for s in seats if s.assists_id]
    calendar = Calendar()
    calendar.add("prodid", "-//e-Cabinet//ecabinet//VI")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("e-Cabinet: my meetings and deadlines"))
    by_body = {seat.body_id: seat for seat in seats}
    meetings = (
        await tx.session.exec(
            select(Meeting).where(
                col(Meeting.body_id).in_(bodies), Meeting.state != MeetingState.DRAFT.value
            )
        )
    ).all()
    for meeting in meetings:
        if not decide(seat_facts(by_body[meeting.body_id]), meeting.state).sees_meeting:
            continue
        title = meeting.title_en if english and meeting.title_en else meeting.title
        url = f"{origin}/meetings/{meeting.id}"
        calendar.add_component(
            _event(
                f"meeting-{meeting.id}@{host}",
                title,
                meeting.starts_at,
                meeting.starts_at + MEETING_LENGTH,
                url,
                meeting.place,
            )
        )
        if meeting.opinion_deadline and meeting.state == MeetingState.PUBLISHED.value:
            calendar.add_component(
                _event(
                    f"positions-{meeting.id}@{host}",
                    _("Written positions due: %(meeting)s", meeting=title),
                    meeting.opinion_deadline,
                    None,
                    f"{url}/positions",
                )
            )
    polls = (
        await tx.session.exec(
            select(Poll).where(
                col(Poll.body_id).in_(bodies),
                Poll.state == PollState.OPEN.value,
                col(Poll.deadline).is_not(None),
            )
        )
    ).all()
    for poll in polls:
        assert poll.deadline is not None
        calendar.add_component(
            _event(
                f"poll-{poll.id}@{host}",
                _("Written poll due: %(title)s", title=poll.title),
                poll.deadline,
                None,
                f"{origin}/polls/{poll.id}",
            )
        )
    tasks = (
        await tx.session.exec(
            select(FollowUpTask).where(
                col(FollowUpTask.membership_id).in_(seat_ids),
                col(FollowUpTask.state).in_(
                    [TaskState.ASSIGNED.value, TaskState.IN_PROGRESS.value]
                ),
            )
        )
    ).all()
    for task in tasks:
        calendar.add_component(
            _event(
                f"task-{task.id}@{host}",
                _("Task due: %(text)s", text=task.text[:120]),
                task.deadline,
                None,
                f"{origin}/tasks/{task.id}",
            )
        )
    data: bytes = calendar.to_ical()
    return data

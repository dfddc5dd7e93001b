"""Meetings and their agendas, as the secretariat prepares them."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select

from .. import audit
from ..db import Tx
from ..errors import ValidationFailed
from ..models import AgendaItem, Body, BodyCounter, Meeting
from ..vocab import ItemKind, MeetingForm, MeetingKind, MeetingState


async def next_number(tx: Tx, body_id: int, counter: str) -> int:
    """The body's next running number (session numbers), under a row lock."""
    row = (await tx.session.exec(select(BodyCounter).where(
        BodyCounter.body_id == body_id, BodyCounter.name == counter).with_for_update())).first()
    if row is None:
        row = BodyCounter(body_id=body_id, name=counter, value=0)
    row.value += 1
    tx.session.add(row)
    await tx.session.flush()
    return row.value


async def create_meeting(
    tx: Tx, *, actor_id: int | None, body: Body, title: str, starts_at: datetime,
    kind: MeetingKind = MeetingKind.REGULAR, form: MeetingForm = MeetingForm.IN_PERSON,
    place: str = "", opinion_deadline: datetime | None = None,
) -> Meeting:
    if not title.strip():
        raise ValidationFailed("A meeting needs a title.")
    if opinion_deadline is not None and opinion_deadline >= starts_at:
        raise ValidationFailed("The deadline for written positions must be before the meeting.")
    assert body.id is not None
    meeting = Meeting(
        body_id=body.id, number=await next_number(tx, body.id, "meeting"), title=title.strip(),
        kind=kind.value, form=form.value, place=place, starts_at=starts_at,
        opinion_deadline=opinion_deadline, state=MeetingState.DRAFT.value,
        created_by_id=actor_id,
    )
    tx.session.add(meeting)
    await tx.session.flush()
    await audit.record(tx.session, "meeting.created", actor_id=actor_id, body_id=body.id,
                       subject=f"meeting:{meeting.id}", title=meeting.title,
                       starts_at=starts_at.isoformat())
    return meeting


async def add_item(
    tx: Tx, *, actor_id: int | None, meeting: Meeting, title: str, kind: ItemKind,
    presenter: str = "", summary: str = "", title_en: str = "",
) -> AgendaItem:
    if meeting.state == MeetingState.CLOSED.value:
        raise ValidationFailed("The meeting is closed; its agenda can no longer change.")
    count = len((await tx.session.exec(
        select(AgendaItem.id).where(AgendaItem.meeting_id == meeting.id))).all())
    assert meeting.id is not None
    item = AgendaItem(meeting_id=meeting.id, ordinal=count + 1, title=title.strip(),
                      title_en=title_en.strip(), presenter=presenter, summary=summary,
                      kind=kind.value)
    tx.session.add(item)
    await tx.session.flush()
    await audit.record(tx.session, "agenda.item_added", actor_id=actor_id,
                       body_id=meeting.body_id, subject=f"item:{item.id}",
                       meeting_id=meeting.id, title=item.title)
    return item


async def publish_meeting(tx: Tx, *, actor_id: int | None, meeting: Meeting) -> Meeting:
    """Send the packet to the tablets: the agenda and documents become visible to members."""
    from ..events import Event
    from ..models import utcnow

    if meeting.state != MeetingState.DRAFT.value:
        raise ValidationFailed("Only a draft meeting can be published; this one is %(state)s.",
                               state=meeting.state)
    meeting.state = MeetingState.PUBLISHED.value
    meeting.published_at = utcnow()
    tx.session.add(meeting)
    await tx.session.flush()
    await audit.record(tx.session, "meeting.published", actor_id=actor_id,
                       body_id=meeting.body_id, subject=f"meeting:{meeting.id}")
    tx.emit(Event("meeting.published", {"meeting_id": meeting.id}, body_id=meeting.body_id,
                  meeting_id=meeting.id, audience="body"))
    return meeting

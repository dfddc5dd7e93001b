"""Meetings as the secretariat prepares them, and the moves between their states.

The ``create_meeting`` and ``publish_meeting`` functions do the change for a trusted caller
(the demo, the CLI); ``schedule``, ``update``, ``publish``, ``open_session`` and ``close``
check the actor and the meeting's state first, for the API and the pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select

from .. import audit
from ..auth.actor import Actor
from ..auth.permissions import Permission, ensure
from ..db import Tx
from ..errors import Conflict, ValidationFailed
from ..events import EventKind
from ..i18n import N_
from ..models import AgendaItem, Body, BodyCounter, Document, Meeting, utcnow
from ..vocab import MeetingForm, MeetingKind, MeetingState
from . import packet_notices
from .access import ensure_prepares, load_body, load_meeting
from .meeting_events import notify
from .meeting_states import Change, ensure_allows, ensure_can_move

TITLE_LIMIT = 255


async def next_number(tx: Tx, body_id: int, counter: str) -> int:
    """The body's next running number (session numbers), under a row lock."""
    row = (
        await tx.session.exec(
            select(BodyCounter)
            .where(BodyCounter.body_id == body_id, BodyCounter.name == counter)
            .with_for_update()
        )
    ).first()
    if row is None:
        row = BodyCounter(body_id=body_id, name=counter, value=0)
    row.value += 1
    tx.session.add(row)
    await tx.session.flush()
    return row.value


@dataclass(frozen=True)
class MeetingDetails:
    title: str
    starts_at: datetime
    kind: MeetingKind = MeetingKind.REGULAR
    form: MeetingForm = MeetingForm.IN_PERSON
    place: str = ""
    opinion_deadline: datetime | None = None


DETAIL_FIELDS = ("title", "starts_at", "kind", "form", "place", "opinion_deadline")


def check_details(details: MeetingDetails) -> MeetingDetails:
    title = " ".join(details.title.split())
    if not title:
        raise ValidationFailed("A meeting needs a title.")
    if len(title) > TITLE_LIMIT or len(details.place) > TITLE_LIMIT:
        raise ValidationFailed(
            "A title or a place has at most %(limit)s characters.", limit=TITLE_LIMIT
        )
    deadline = details.opinion_deadline
    if deadline is not None and deadline >= details.starts_at:
        raise ValidationFailed("The deadline for written positions must be before the meeting.")
    return replace(details, title=title, place=details.place.strip())


async def create_meeting(
    tx: Tx,
    *,
    actor_id: int | None,
    body: Body,
    title: str,
    starts_at: datetime,
    kind: MeetingKind = MeetingKind.REGULAR,
    form: MeetingForm = MeetingForm.IN_PERSON,
    place: str = "",
    opinion_deadline: datetime | None = None,
    title_en: str = "",
    summary: str = "",
    summary_en: str = "",
) -> Meeting:
    details = check_details(MeetingDetails(title, starts_at, kind, form, place, opinion_deadline))
    title_en = " ".join(title_en.split())
    if len(title_en) > TITLE_LIMIT:
        raise ValidationFailed(
            "A title or a place has at most %(limit)s characters.", limit=TITLE_LIMIT
        )
    assert body.id is not None
    meeting = Meeting(
        body_id=body.id,
        number=await next_number(tx, body.id, "meeting"),
        title=details.title,
        title_en=title_en,
        summary=summary.strip(),
        summary_en=summary_en.strip(),
        kind=details.kind.value,
        form=details.form.value,
        place=details.place,
        starts_at=starts_at,
        opinion_deadline=opinion_deadline,
        state=MeetingState.DRAFT.value,
        created_by_id=actor_id,
    )
    tx.session.add(meeting)
    await tx.session.flush()
    await audit.record(
        tx.session,
        "meeting.created",
        actor_id=actor_id,
        body_id=body.id,
        subject=f"meeting:{meeting.id}",
        title=meeting.title,
        starts_at=starts_at.isoformat(),
    )
    return meeting


async def schedule(tx: Tx, actor: Actor, body_id: int, details: MeetingDetails) -> Meeting:
    ensure_prepares(actor, body_id)
    if details.starts_at <= utcnow():
        raise ValidationFailed("The meeting must start in the future.")
    body = await load_body(tx.session, body_id)
    return await create_meeting(
        tx,
        actor_id=actor.person_id,
        body=body,
        title=details.title,
        starts_at=details.starts_at,
        kind=details.kind,
        form=details.form,
        place=details.place,
        opinion_deadline=details.opinion_deadline,
    )


def details_of(meeting: Meeting) -> MeetingDetails:
    return MeetingDetails(
        meeting.title,
        meeting.starts_at,
        MeetingKind(meeting.kind),
        MeetingForm(meeting.form),
        meeting.place,
        meeting.opinion_deadline,
    )


async def update(tx: Tx, actor: Actor, meeting_id: int, changes: dict[str, Any]) -> Meeting:
    """Change some of the meeting's details; the tablets hear of it once published."""
    meeting = await load_meeting(tx.session, meeting_id, lock=True)
    ensure_prepares(actor, meeting.body_id)
    ensure_allows(meeting, Change.EDIT_DETAILS)
    before = details_of(meeting)
    after = check_details(replace(before, **changes))
    if after.starts_at != before.starts_at and after.starts_at <= utcnow():
        raise ValidationFailed("The meeting must start in the future.")
    changed = {
        name: [_plain(getattr(before, name)), _plain(getattr(after, name))]
        for name in DETAIL_FIELDS
        if getattr(before, name) != getattr(after, name)
    }
    if not changed:
        return meeting
    meeting.title, meeting.place = after.title, after.place
    meeting.kind, meeting.form = after.kind.value, after.form.value
    meeting.starts_at, meeting.opinion_deadline = after.starts_at, after.opinion_deadline
    tx.session.add(meeting)
    await audit.record(
        tx.session,
        "meeting.updated",
        actor_id=actor.person_id,
        body_id=meeting.body_id,
        subject=f"meeting:{meeting.id}",
        changes=changed,
    )
    await notify(tx, meeting, EventKind.MEETING_UPDATED, {"changed": sorted(changed)})
    return meeting


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


@dataclass(frozen=True)
class PacketWarning:
    code: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)


def packet_warnings(
    meeting: Meeting, body: Body, bare_items: list[str], now: datetime
) -> list[PacketWarning]:
    """What the secretariat should know before the packet goes out (DOMAIN.md: documents
    reach members at least the body's lead time, 3 days for the Government, before)."""
    warnings = []
    lead = timedelta(days=body.document_lead_days)
    if meeting.starts_at - now < lead:
        hours = max(int((meeting.starts_at - now).total_seconds() // 3600), 0)
        warnings.append(
            PacketWarning(
                "late",
                N_(
                    "The packet reaches members %(hours)s hours before the meeting, later than the "
                    "body's lead time of %(days)s days."
                ),
                {"hours": hours, "days": body.document_lead_days},
            )
        )
    if bare_items:
        warnings.append(
            PacketWarning(
                "items_without_documents",
                N_("%(count)s items have no document: %(titles)s."),
                {"count": len(bare_items), "titles": "; ".join(bare_items)},
            )
        )
    return warnings


async def bare_items(tx: Tx, meeting: Meeting) -> list[str]:
    items = (
        await tx.session.exec(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting.id)
            .order_by(col(AgendaItem.ordinal))
        )
    ).all()
    with_documents = set(
        (
            await tx.session.exec(
                select(Document.item_id).where(
                    col(Document.item_id).in_([item.id for item in items])
                )
            )
        ).all()
    )
    return [item.title for item in items if item.id not in with_documents]


async def publish_meeting(
    tx: Tx, *, actor_id: int | None, meeting: Meeting, warnings: list[PacketWarning] | None = None
) -> Meeting:
    """Send the packet to the tablets: the agenda and documents become visible to members."""
    ensure_can_move(meeting, MeetingState.PUBLISHED)
    meeting.state = MeetingState.PUBLISHED.value
    meeting.published_at = utcnow()
    tx.session.add(meeting)
    await tx.session.flush()
    await audit.record(
        tx.session,
        "meeting.published",
        actor_id=actor_id,
        body_id=meeting.body_id,
        subject=f"meeting:{meeting.id}",
        warnings=[w.code for w in warnings or []],
    )
    await notify(tx, meeting, EventKind.MEETING_PUBLISHED, {"title": meeting.title})
    await packet_notices.published(tx, meeting, actor_id)
    return meeting


async def publish(tx: Tx, actor: Actor, meeting_id: int) -> tuple[Meeting, list[PacketWarning]]:
    meeting = await load_meeting(tx.session, meeting_id, lock=True)
    ensure_prepares(actor, meeting.body_id)
    ensure_can_move(meeting, MeetingState.PUBLISHED)
    if not (
        await tx.session.exec(select(AgendaItem.id).where(AgendaItem.meeting_id == meeting.id))
    ).first():
        raise Conflict("The agenda is empty: add at least one item before publishing.")
    body = await load_body(tx.session, meeting.body_id)
    warnings = packet_warnings(meeting, body, await bare_items(tx, meeting), utcnow())
    await publish_meeting(tx, actor_id=actor.person_id, meeting=meeting, warnings=warnings)
    return meeting, warnings


async def open_session(tx: Tx, actor: Actor, meeting_id: int) -> Meeting:
    meeting = await load_meeting(tx.session, meeting_id, lock=True)
    ensure(actor, Permission.RUN_SESSION, meeting.body_id)
    ensure_can_move(meeting, MeetingState.IN_SESSION)
    meeting.state, meeting.opened_at = MeetingState.IN_SESSION.value, utcnow()
    return await _moved(tx, actor, meeting, EventKind.MEETING_SESSION_OPENED)


async def close(tx: Tx, actor: Actor, meeting_id: int) -> Meeting:
    """Close the meeting; from now on classified documents are recalled from the tablets."""
    meeting = await load_meeting(tx.session, meeting_id, lock=True)
    ensure(actor, Permission.RUN_SESSION, meeting.body_id)
    ensure_can_move(meeting, MeetingState.CLOSED)
    meeting.state, meeting.closed_at = MeetingState.CLOSED.value, utcnow()
    return await _moved(tx, actor, meeting, EventKind.MEETING_CLOSED)


async def _moved(tx: Tx, actor: Actor, meeting: Meeting, kind: EventKind) -> Meeting:
    tx.session.add(meeting)
    await audit.record(
        tx.session,
        kind,
        actor_id=actor.person_id,
        body_id=meeting.body_id,
        subject=f"meeting:{meeting.id}",
    )
    await notify(tx, meeting, kind, {"state": meeting.state})
    return meeting

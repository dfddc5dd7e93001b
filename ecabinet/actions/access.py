"""Who sees what of a meeting: only bodies one belongs to, drafts only for the secretariat,
documents at or below one's clearance, and for an invited guest only their items.

Every refusal is a Forbidden that says why; the error handler audits it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..auth.actor import Actor
from ..auth.permissions import Permission, can, ensure_signed_in
from ..errors import Forbidden, NotFound
from ..models import AgendaItem, Body, Document, ItemGuest, Meeting
from ..vocab import Classification, MeetingState
from . import seat_view
from .seat_view import GUEST_CLEARANCE, SeatFacts, SeatView

__all__ = ["GUEST_CLEARANCE", "MeetingAccess", "meeting_access"]


class Classified(Protocol):
    """A document as a model or as a row of the packet (actions/packet_rows.py)."""

    @property
    def classification(self) -> int: ...


@dataclass(frozen=True)
class MeetingAccess:
    meeting: Meeting
    view: SeatView

    @property
    def prepares(self) -> bool:
        return self.view.prepares

    @property
    def clearance(self) -> int:
        return self.view.clearance

    @property
    def item_ids(self) -> frozenset[int] | None:
        return self.view.item_ids

    def sees_item(self, item_id: int | None) -> bool:
        return self.view.sees_item(item_id)

    def may_read(self, document: Classified) -> bool:
        return self.view.may_read(document.classification)

    def recalled(self, document: Classified) -> bool:
        """Classified documents go back after the meeting; the secretariat keeps them."""
        return (
            not self.prepares
            and self.meeting.state == MeetingState.CLOSED.value
            and document.classification >= Classification.MAT
        )


async def seat_facts(db: AsyncSession, actor: Actor, meeting: Meeting) -> SeatFacts:
    """What the database says about the actor and this meeting (see seat_view.decide)."""
    seat = actor.seat(meeting.body_id)
    facts = seat_view.seat_facts(seat)
    if facts.role is not None:
        return facts  # a guest invitation adds nothing to a seat in the body
    return seat_view.seat_facts(None, frozenset(await guest_items(db, actor, meeting)))


async def meeting_access(db: AsyncSession, actor: Actor, meeting: Meeting) -> MeetingAccess:
    """What the actor's seat sees of the meeting; a Forbidden that says why if nothing."""
    ensure_signed_in(actor)
    view = seat_view.decide(await seat_facts(db, actor, meeting), meeting.state)
    if view.refusal is not None:
        raise Forbidden(view.refusal)
    return MeetingAccess(meeting, view)


async def guest_items(db: AsyncSession, actor: Actor, meeting: Meeting) -> list[int]:
    if actor.person_id is None:
        return []
    rows = await db.exec(
        select(ItemGuest.item_id)
        .join(AgendaItem, col(AgendaItem.id) == ItemGuest.item_id)
        .where(AgendaItem.meeting_id == meeting.id, ItemGuest.person_id == actor.person_id)
    )
    return list(rows.all())


def ensure_prepares(actor: Actor, body_id: int) -> None:
    """The secretariat's permission, or a refusal that names it."""
    ensure_signed_in(actor)
    if not can(actor, Permission.PREPARE_MEETINGS, body_id):
        raise Forbidden("Only the secretariat of this body prepares its meetings.")


# Built once: most requests load a meeting, and building the statement cost as much as
# SQLAlchemy's finding it compiled.
MEETING = select(Meeting).where(Meeting.id == bindparam("meeting"))
MEETING_LOCKED = MEETING.with_for_update()
MEETING_AND_BODY = (
    select(Meeting, Body)
    .join(Body, col(Body.id) == Meeting.body_id)
    .where(Meeting.id == bindparam("meeting"))
)


async def load_meeting(db: AsyncSession, meeting_id: int, *, lock: bool = False) -> Meeting:
    query = MEETING_LOCKED if lock else MEETING
    meeting = (await db.exec(query, params={"meeting": meeting_id})).first()
    if meeting is None:
        raise NotFound("There is no meeting number %(id)s.", id=meeting_id)
    return meeting


async def load_meeting_and_body(db: AsyncSession, meeting_id: int) -> tuple[Meeting, Body]:
    """The meeting with its body, in one statement."""
    row = (await db.exec(MEETING_AND_BODY, params={"meeting": meeting_id})).first()
    if row is None:
        raise NotFound("There is no meeting number %(id)s.", id=meeting_id)
    return row[0], row[1]


async def load_body(db: AsyncSession, body_id: int) -> Body:
    body = await db.get(Body, body_id)
    if body is None:
        raise NotFound("There is no body number %(id)s.", id=body_id)
    return body


async def load_item(db: AsyncSession, item_id: int) -> AgendaItem:
    item = await db.get(AgendaItem, item_id)
    if item is None:
        raise NotFound("There is no agenda item number %(id)s.", id=item_id)
    return item


async def load_document(db: AsyncSession, document_id: int) -> Document:
    document = await db.get(Document, document_id)
    if document is None:
        raise NotFound("There is no document number %(id)s.", id=document_id)
    return document


async def document_access(db: AsyncSession, actor: Actor, document: Document) -> MeetingAccess:
    """Refuse unless the actor may read this document now; say why otherwise."""
    if document.item_id is None:
        raise NotFound("There is no document number %(id)s.", id=document.id)
    item = await load_item(db, document.item_id)
    meeting = await load_meeting(db, item.meeting_id)
    return await reader_access(db, actor, meeting, item, document)


async def reader_access(
    db: AsyncSession, actor: Actor, meeting: Meeting, item: AgendaItem, document: Document
) -> MeetingAccess:
    access = await meeting_access(db, actor, meeting)
    if not access.sees_item(item.id):
        raise Forbidden("You are invited to other items of this meeting, not to this one.")
    if not access.may_read(document):
        raise Forbidden(
            "This document's classification is above your clearance, so it "
            "cannot be opened. Ask the secretariat if you need it."
        )
    if access.recalled(document):
        raise Forbidden(
            "This classified document was recalled when the meeting closed; it "
            "can no longer be opened."
        )
    return access

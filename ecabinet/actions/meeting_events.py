"""Events about a meeting, sent after commit to exactly the people entitled to them.

Each event takes the meeting's next sequence number when the transaction commits, so a
tablet that misses one knows to fetch a fresh copy. Nothing is sent about a draft:
members do not see drafts.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..auth.permissions import ROLE_PERMISSIONS, Permission
from ..db import Tx
from ..events import Event, EventKind, MeetingChanged
from ..models import AgendaItem, ItemGuest, Meeting, Membership
from ..vocab import MeetingState
from .access import GUEST_CLEARANCE

READER_ROLES = [
    role.value for role, granted in ROLE_PERMISSIONS.items() if Permission.READ_DOCUMENTS in granted
]


async def audience(
    db: AsyncSession, meeting: Meeting, *, level: int = 0, item_id: int | None = None
) -> frozenset[int]:
    """Seated readers cleared for ``level``, and the invited guests when it is not
    classified (all of the meeting's guests, or those of ``item_id``)."""
    seated = await db.exec(
        select(Membership.person_id).where(
            Membership.body_id == meeting.body_id,
            col(Membership.active),
            col(Membership.role).in_(READER_ROLES),
            Membership.clearance >= level,
        )
    )
    people = set(seated.all())
    if level <= GUEST_CLEARANCE:
        guests = (
            select(ItemGuest.person_id)
            .join(AgendaItem, col(AgendaItem.id) == ItemGuest.item_id)
            .where(AgendaItem.meeting_id == meeting.id, col(ItemGuest.person_id).is_not(None))
        )
        if item_id is not None:
            guests = guests.where(ItemGuest.item_id == item_id)
        people |= {person for person in (await db.exec(guests)).all() if person}
    return frozenset(people)


async def notify(
    tx: Tx,
    meeting: Meeting,
    kind: EventKind,
    data: dict[str, Any],
    *,
    level: int = 0,
    item_id: int | None = None,
) -> None:
    if meeting.state == MeetingState.DRAFT.value:
        return
    recipients = await audience(tx.session, meeting, level=level, item_id=item_id)
    # The sequence number is given just before commit (realtime/outbox.py), atomically.
    assert meeting.id is not None
    tx.emit(
        Event.of(
            kind,
            MeetingChanged(meeting.id, data),
            body_id=meeting.body_id,
            meeting_id=meeting.id,
            recipients=recipients,
        )
    )

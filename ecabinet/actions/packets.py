"""The meeting packet as one reader may see it: items, guests, documents, versions, and
what changed since that reader last opened each document. Also the offline manifest."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..auth.actor import Actor
from ..errors import Forbidden
from ..models import (
    AgendaItem,
    Body,
    DocumentReading,
    DocumentVersion,
    ItemGuest,
    Meeting,
)
from ..vocab import MeetingState
from . import packet_rows
from .access import MeetingAccess, load_body, load_meeting_and_body, meeting_access
from .packet_rows import DocumentRow, GuestRow, ItemRow, VersionRow


@dataclass(frozen=True)
class ReadState:
    seen: int | None  # the version number the reader last opened
    latest: int

    @property
    def unread(self) -> bool:
        return self.seen is None

    @property
    def changed(self) -> bool:
        """A later version than the one last opened; for a document never opened, any
        version after the first (the draft was revised)."""
        return self.latest > (self.seen or 1)


@dataclass
class DocumentView:
    document: DocumentRow
    versions: list[VersionRow]
    readable: bool
    recalled: bool
    state: ReadState

    @property
    def latest(self) -> VersionRow | None:
        return self.versions[-1] if self.versions else None


@dataclass
class ItemView:
    item: ItemRow
    guests: list[GuestRow]
    documents: list[DocumentView]

    @property
    def changed(self) -> bool:
        return any(d.readable and (d.state.changed or d.state.unread) for d in self.documents)


@dataclass
class MeetingView:
    meeting: Meeting
    body: Body
    access: MeetingAccess
    items: list[ItemView]


async def visible_meetings(db: AsyncSession, actor: Actor) -> list[MeetingAccess]:
    """Meetings of the actor's bodies, and those they are invited to, soonest first."""
    if actor.person_id is None:
        return []
    invited = (
        select(AgendaItem.meeting_id)
        .join(ItemGuest, col(ItemGuest.item_id) == AgendaItem.id)
        .where(ItemGuest.person_id == actor.person_id)
    )
    rows = await db.exec(
        select(Meeting)
        .where(
            or_(
                col(Meeting.body_id).in_(list(actor.memberships)),
                col(Meeting.id).in_(invited),
            )
        )
        .order_by(col(Meeting.starts_at))
    )
    visible = []
    for meeting in rows.all():
        try:
            visible.append(await meeting_access(db, actor, meeting))
        except Forbidden:
            continue  # a draft, for a member: not a refusal, just not theirs yet
    return visible


async def meeting_view(db: AsyncSession, actor: Actor, meeting: Meeting) -> MeetingView:
    return await _view(db, actor, meeting, await load_body(db, meeting.body_id))


async def agenda_view(db: AsyncSession, actor: Actor, meeting_id: int) -> MeetingView:
    """meeting_view of a meeting not yet loaded: the meeting and its body in one read."""
    meeting, body = await load_meeting_and_body(db, meeting_id)
    return await _view(db, actor, meeting, body)


async def _view(db: AsyncSession, actor: Actor, meeting: Meeting, body: Body) -> MeetingView:
    access = await meeting_access(db, actor, meeting)
    assert meeting.id is not None
    items: dict[int, ItemRow] = {}
    documents: dict[int, DocumentRow] = {}
    versions: dict[int, list[VersionRow]] = defaultdict(list)
    seen: dict[int, int] = {}
    for item, document, version, number in await packet_rows.packet(
        db, meeting.id, actor.person_id
    ):
        if not access.sees_item(item.id):
            continue
        items.setdefault(item.id, item)
        if document is None:
            continue
        documents.setdefault(document.id, document)
        if version is not None:
            versions[document.id].append(version)
        if number is not None:
            seen[document.id] = number
    guests: dict[int, list[GuestRow]] = defaultdict(list)
    for guest in await packet_rows.guests(db, meeting.id):
        if guest.item_id in items:
            guests[guest.item_id].append(guest)
    views: dict[int, list[DocumentView]] = defaultdict(list)
    for document in documents.values():
        mine = versions[document.id]
        views[document.item_id].append(
            DocumentView(
                document,
                mine,
                access.may_read(document),
                access.recalled(document),
                ReadState(seen.get(document.id), mine[-1].number if mine else 0),
            )
        )
    return MeetingView(
        meeting,
        body,
        access,
        [ItemView(item, guests[item.id], views[item.id]) for item in items.values()],
    )


async def readings(
    db: AsyncSession, person_id: int | None, document_ids: list[int | None]
) -> dict[int, int]:
    if person_id is None:
        return {}
    rows = await db.exec(
        select(DocumentReading).where(
            DocumentReading.person_id == person_id,
            col(DocumentReading.document_id).in_(document_ids),
        )
    )
    return {row.document_id: row.version_number for row in rows.all()}


OFFLINE_STATES = (MeetingState.PUBLISHED.value, MeetingState.IN_SESSION.value)


async def offline_packet(
    db: AsyncSession, actor: Actor
) -> list[tuple[MeetingView, list[DocumentView]]]:
    """What a tablet may keep offline: for each meeting still ahead or in session, the
    latest version of each document the reader may open, up to the body's offline level.
    Anything a tablet holds that is not in this list is dropped on its next connection:
    that is how documents are recalled when a meeting closes."""
    packet = []
    for access in await visible_meetings(db, actor):
        if access.meeting.state not in OFFLINE_STATES:
            continue
        view = await meeting_view(db, actor, access.meeting)
        kept = [
            document
            for item in view.items
            for document in item.documents
            if document.readable
            and not document.recalled
            and document.latest
            and document.document.classification <= view.body.offline_max_classification
        ]
        packet.append((view, kept))
    return packet


async def versions_of(db: AsyncSession, document_id: int | None) -> list[DocumentVersion]:
    return list(
        (
            await db.exec(
                select(DocumentVersion)
                .where(DocumentVersion.document_id == document_id)
                .order_by(col(DocumentVersion.number))
            )
        ).all()
    )

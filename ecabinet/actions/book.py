"""The meeting as one book for a reader: the agenda down the side with, for each document,
its state for this reader (unread, changed since read, commented on, position given on its
item), and the document chosen to read beside it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..auth.actor import Actor
from ..models import Comment, DocumentVersion, Meeting, Position
from .packets import OFFLINE_STATES, DocumentView, ItemView, MeetingView, meeting_view


@dataclass(frozen=True)
class BookEntry:
    view: DocumentView
    commented: bool
    # Why the tablet does not keep it for reading offline; "" when it does.
    offline_gap: str = ""

    @property
    def open(self) -> bool:
        return self.view.readable and not self.view.recalled and self.view.latest is not None


@dataclass(frozen=True)
class BookItem:
    item: ItemView
    entries: list[BookEntry]
    position_given: bool


@dataclass(frozen=True)
class Book:
    meeting: MeetingView
    items: list[BookItem]
    chosen: BookEntry | None
    chosen_item: BookItem | None


async def book_of(
    db: AsyncSession, actor: Actor, meeting: Meeting, document_id: int | None
) -> Book:
    view = await meeting_view(db, actor, meeting)
    commented = await _commented(db, actor, view)
    given = await _positions_given(db, actor, view)
    items = [
        BookItem(
            item,
            [
                BookEntry(d, (d.document.id or 0) in commented, offline_gap(view, d))
                for d in item.documents
            ],
            (item.item.id or 0) in given,
        )
        for item in view.items
    ]
    chosen, chosen_item = _choose(items, document_id)
    return Book(view, items, chosen, chosen_item)


def offline_gap(view: MeetingView, document: DocumentView) -> str:
    """The reason a document is not kept on the tablet, as packets.offline_packet decides
    it: "clearance", "recalled", "meeting" (not ahead nor in session), "level" (above the
    body's offline level); "" when it is kept."""
    if not document.readable:
        return "clearance"
    if document.recalled:
        return "recalled"
    if view.meeting.state not in OFFLINE_STATES or document.latest is None:
        return "meeting"
    if document.document.classification > view.body.offline_max_classification:
        return "level"
    return ""


def _choose(
    items: list[BookItem], document_id: int | None
) -> tuple[BookEntry | None, BookItem | None]:
    """The document asked for; else the first one not yet read; else the first."""
    readable = [(entry, item) for item in items for entry in item.entries if entry.open]
    for entry, item in readable:
        if entry.view.document.id == document_id:
            return entry, item
    for entry, item in readable:
        if document_id is None and entry.view.state.unread:
            return entry, item
    return readable[0] if readable else (None, None)


async def _commented(db: AsyncSession, actor: Actor, view: MeetingView) -> set[int]:
    ids = [d.document.id for item in view.items for d in item.documents]
    if actor.person_id is None or not ids:
        return set()
    rows = await db.exec(
        select(DocumentVersion.document_id)
        .join(Comment, col(Comment.version_id) == DocumentVersion.id)
        .where(col(DocumentVersion.document_id).in_(ids), Comment.author_id == actor.person_id)
    )
    return set(rows.all())


async def _positions_given(db: AsyncSession, actor: Actor, view: MeetingView) -> set[int]:
    seat = actor.seat(view.meeting.body_id)
    if seat is None:
        return set()
    rows = await db.exec(
        select(Position.item_id).where(
            Position.membership_id == seat.id,
            col(Position.submitted_at).is_not(None),
            col(Position.item_id).in_([item.item.id for item in view.items]),
        )
    )
    return set(rows.all())

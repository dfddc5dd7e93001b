"""Follow the presenter: the chair (or the secretariat on the chair's behalf) shows a page
of one of the current item's documents on the room displays and, if chosen, on every
tablet; a member may stop following and come back.

A display seat reads no document (actions/displays.py): the one exception is the page
being presented, of a document of the item being taken, and only up to the body's
``display_max_classification`` (the whole room sees the screen, cleared or not). Each
step is audited and reaches every screen as a fresh live state. A tablet reads the page
through its own reader's access, as when it opens the document itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from .. import audit
from ..auth.actor import Actor
from ..db import Tx
from ..errors import Forbidden, NotFound, ValidationFailed
from ..events import Event, EventKind, Presented
from ..i18n import N_
from ..models import Body, DisplaySeat, Document, DocumentVersion, Meeting
from ..vocab import Classification, MeetingState
from .access import load_meeting
from .session import SessionRefused, ensure_runs


class NotForTheDisplay(Forbidden):
    title = "This document may not be shown on the room display"
    kind = "not-for-the-display"


@dataclass(frozen=True)
class Shown:
    document: Document
    version: DocumentVersion
    page: int


def _level(value: int) -> str:
    return Classification(value).name.lower()


async def _latest(db: AsyncSession, document_id: int) -> DocumentVersion | None:
    return (
        await db.exec(
            select(DocumentVersion)
            .where(DocumentVersion.document_id == document_id)
            .order_by(col(DocumentVersion.number).desc())
        )
    ).first()


def _emit(tx: Tx, meeting: Meeting) -> None:
    assert meeting.id is not None
    payload = Presented(
        meeting.id, meeting.presented_version_id, meeting.presented_page, meeting.presented_follow
    )
    tx.emit(
        Event.of(
            EventKind.PRESENTATION_CHANGED,
            payload,
            body_id=meeting.body_id,
            meeting_id=meeting.id,
        )
    )


async def present(
    tx: Tx, actor: Actor, meeting_id: int, *, document_id: int, page: int, follow: bool
) -> Shown:
    """Show page ``page`` of the document's latest version on the room displays (and on
    the tablets that follow, when ``follow``)."""
    meeting = await load_meeting(tx.session, meeting_id, lock=True)
    ensure_runs(actor, meeting)
    if meeting.state != MeetingState.IN_SESSION.value or meeting.current_item_id is None:
        raise SessionRefused(
            "A document is presented from the item being taken; no item is being taken now."
        )
    document = await tx.session.get(Document, document_id)
    if document is None:
        raise NotFound("There is no document with the number %(id)s.", id=document_id)
    if document.item_id != meeting.current_item_id:
        raise SessionRefused("Only a document of the item being taken can be presented.")
    version = await _latest(tx.session, document_id)
    if version is None or not version.page_count:
        raise ValidationFailed("This document has no pages to show: it is not a PDF.")
    if not 1 <= page <= version.page_count:
        raise ValidationFailed("This document has pages 1 to %(count)s.", count=version.page_count)
    body = await tx.session.get(Body, meeting.body_id)
    assert body is not None
    if document.classification > body.display_max_classification:
        await tx.refuse(
            NotForTheDisplay(
                "This document is classified (%(level)s); the body's rules let the room "
                "display show documents up to %(limit)s. It was not presented.",
                level=_level(document.classification),
                limit=_level(body.display_max_classification),
            ),
            actor_id=actor.person_id,
            subject=f"document:{document.id}",
            meeting=meeting.id,
        )
    meeting.presented_version_id, meeting.presented_page = version.id, page
    meeting.presented_follow = follow
    tx.session.add(meeting)
    await audit.record(
        tx.session,
        "presentation.shown",
        actor_id=actor.person_id,
        body_id=meeting.body_id,
        subject=f"meeting:{meeting.id}",
        document=document.id,
        version=version.id,
        page=page,
        follow=follow,
    )
    _emit(tx, meeting)
    return Shown(document, version, page)


async def stop(tx: Tx, actor: Actor, meeting_id: int) -> Meeting:
    """Take the presented page off the room displays and the tablets."""
    meeting = await load_meeting(tx.session, meeting_id, lock=True)
    ensure_runs(actor, meeting)
    if meeting.presented_version_id is None:
        raise SessionRefused("Nothing is being presented.")
    meeting.presented_version_id = meeting.presented_page = None
    meeting.presented_follow = False
    tx.session.add(meeting)
    await audit.record(
        tx.session,
        "presentation.stopped",
        actor_id=actor.person_id,
        body_id=meeting.body_id,
        subject=f"meeting:{meeting.id}",
    )
    _emit(tx, meeting)
    return meeting


async def shown(db: AsyncSession, meeting: Meeting) -> Shown | None:
    """What is presented now: only ever a page of a document of the item being taken
    (a presentation left over from an earlier item is shown nowhere)."""
    if (
        meeting.presented_version_id is None
        or meeting.presented_page is None
        or meeting.current_item_id is None
        or meeting.state != MeetingState.IN_SESSION.value
    ):
        return None
    row = (
        await db.exec(
            select(DocumentVersion, Document)
            .join(Document, col(Document.id) == DocumentVersion.document_id)
            .where(DocumentVersion.id == meeting.presented_version_id)
        )
    ).first()
    if row is None or row[1].item_id != meeting.current_item_id:
        return None
    return Shown(row[1], row[0], meeting.presented_page)


def as_state(presented: Shown | None, follow: bool) -> dict[str, Any] | None:
    if presented is None:
        return None
    return {
        "document": presented.document.id,
        "title": presented.document.title,
        "version": presented.version.id,
        "page": presented.page,
        "pages": presented.version.page_count,
        "follow": follow,
    }


NOT_PRESENTED = N_(
    "The room display shows only the page being presented of a document of the item being taken."
)


async def page_for_display(
    db: AsyncSession, seat: DisplaySeat, meeting_id: int, version_id: int, page: int
) -> Shown:
    """The page a display seat may draw: the one presented now, nothing else."""
    meeting = await load_meeting(db, meeting_id)
    presented = await shown(db, meeting)
    if (
        seat.body_id != meeting.body_id
        or presented is None
        or presented.version.id != version_id
        or presented.page != page
    ):
        raise Forbidden(NOT_PRESENTED)
    body = await db.get(Body, meeting.body_id)
    assert body is not None
    # Classified since it was presented, or the body's rule tightened: no longer shown.
    if presented.document.classification > body.display_max_classification:
        raise NotForTheDisplay(NOT_PRESENTED)
    return presented

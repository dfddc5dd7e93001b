"""Reading documents: every view and download is checked, audited and remembered (the
remembered version is what "changed since last viewed" compares with). A classified copy
carries a code; the audit event of that copy is found by it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from .. import audit
from ..auth.actor import Actor
from ..auth.permissions import Permission, can, ensure_signed_in
from ..db import Tx
from ..errors import Forbidden, NotFound
from ..models import (
    AgendaItem,
    AuditEvent,
    Document,
    DocumentReading,
    DocumentVersion,
    Meeting,
    utcnow,
)
from ..vocab import Classification
from .access import MeetingAccess, ensure_prepares, reader_access
from .packet_rows import DocumentRow, VersionRow

MARKED_KINDS = ("document.downloaded", "document.page_viewed")


@dataclass(frozen=True)
class Opened:
    access: MeetingAccess
    document: Document | DocumentRow  # a row when bound into the book of the meeting
    version: DocumentVersion | VersionRow

    @property
    def classified(self) -> bool:
        return self.document.classification >= Classification.MAT


async def open_version(db: AsyncSession, actor: Actor, version_id: int) -> Opened:
    """The version, if the actor may read it now; otherwise a refusal that says why."""
    # One query for the chain version -> document -> item -> meeting: every download
    # and every page goes through here.
    row = (
        await db.exec(
            select(DocumentVersion, Document, AgendaItem, Meeting)
            .join(Document, col(Document.id) == DocumentVersion.document_id)
            .join(AgendaItem, col(AgendaItem.id) == Document.item_id)
            .join(Meeting, col(Meeting.id) == AgendaItem.meeting_id)
            .where(DocumentVersion.id == version_id)
        )
    ).first()
    if row is None:
        raise NotFound("There is no document version number %(id)s.", id=version_id)
    version, document, item, meeting = row
    access = await reader_access(db, actor, meeting, item, document)
    return Opened(access, document, version)


async def record(
    tx: Tx, actor: Actor, opened: Opened, kind: str, *, code: str | None = None, **data: Any
) -> None:
    """Audit a view, a download or a page of a classified document; remember the version
    the person has now seen."""
    document, version = opened.document, opened.version
    await audit.record(
        tx.session,
        kind,
        actor_id=actor.person_id,
        body_id=document.body_id,
        subject=f"mark:{code}" if code else f"document:{document.id}",
        document_id=document.id,
        version_id=version.id,
        version=version.number,
        classification=document.classification,
        **data,
    )
    # A copy the tablet keeps for offline reading, or bound into the book of the meeting,
    # is not yet read: its flags stay.
    if (
        actor.person_id is not None
        and kind != "document.page_viewed"
        and data.get("purpose") not in ("offline", "book")
    ):
        await mark_read(tx, actor.person_id, document, version.number)


async def mark_read(tx: Tx, person_id: int, document: Document | DocumentRow, number: int) -> None:
    """One statement: insert the reading, or move it forward. Opening an older version
    does not unsee a newer one; the same person opening it twice at once cannot collide."""
    assert document.id is not None
    dialect = (await tx.session.connection()).dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(
        DocumentReading
    ).values(person_id=person_id, document_id=document.id, version_number=number, read_at=utcnow())
    seen = col(DocumentReading.version_number)
    await tx.session.exec(
        insert.on_conflict_do_update(
            index_elements=["person_id", "document_id"],
            set_={
                "version_number": case(
                    (seen > insert.excluded.version_number, seen),
                    else_=insert.excluded.version_number,
                ),
                "read_at": insert.excluded.read_at,
            },
        )
    )


async def resolve_mark(db: AsyncSession, actor: Actor, code: str) -> AuditEvent:
    """The audit event behind a watermark code: for the secretariat of that body."""
    ensure_signed_in(actor)
    if not any(can(actor, Permission.PREPARE_MEETINGS, body) for body in actor.memberships):
        raise Forbidden("Only the secretariat of this body prepares its meetings.")
    event = (
        await db.exec(
            select(AuditEvent).where(
                col(AuditEvent.kind).in_(MARKED_KINDS), AuditEvent.subject == f"mark:{code}"
            )
        )
    ).first()
    if event is None or event.body_id is None:
        raise NotFound("No copy carries the code %(code)s.", code=code)
    ensure_prepares(actor, event.body_id)
    return event

"""The meeting packet's rows as plain values, read with SQLAlchemy Core: every page of a
meeting reads its items, guests, documents and versions, and loading each as an ORM
object (identity map, instrumentation, validation) cost more than the rest of the page.

Each statement is built once, with bound parameters, so SQLAlchemy finds it compiled in
its cache. The dataclasses have the tables' columns, under the same names, so a template
or a JSON shape reads them as it read the models."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from ..models import AgendaItem, Document, DocumentReading, DocumentVersion, ItemGuest


@dataclass(frozen=True, slots=True)
class ItemRow:
    id: int
    meeting_id: int
    ordinal: int
    title: str
    title_en: str
    presenter: str
    summary: str
    summary_en: str
    kind: str
    status: str
    status_reason: str
    discussion_notes: str
    conclusion: str
    created_at: datetime
    speakers_closed_at: datetime | None

    @classmethod
    def of(cls, item: AgendaItem) -> ItemRow:
        return cls(*(getattr(item, f.name) for f in fields(cls)))


@dataclass(frozen=True, slots=True)
class GuestRow:
    id: int
    item_id: int
    person_id: int | None
    name: str
    affiliation: str


@dataclass(frozen=True, slots=True)
class DocumentRow:
    id: int
    body_id: int
    item_id: int
    title: str
    title_en: str
    summary: str
    summary_en: str
    classification: int
    classification_basis: str
    classified_by_id: int | None
    classified_at: datetime | None
    ordinal: int
    created_by_id: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class VersionRow:
    id: int
    document_id: int
    number: int
    sha256: str
    size: int
    media_type: str
    filename: str
    page_count: int | None
    change_note: str
    uploaded_by_id: int | None
    uploaded_at: datetime


def _columns(table: sa.Table, row: type) -> list[sa.Column[Any]]:
    """The table's columns in the dataclass's order, so that a row builds it by position."""
    return [table.c[f.name] for f in fields(row)]


ITEM_TABLE: sa.Table = AgendaItem.__table__  # type: ignore[attr-defined]
_ITEM = ITEM_TABLE
_GUEST = ItemGuest.__table__  # type: ignore[attr-defined]
_DOCUMENT = Document.__table__  # type: ignore[attr-defined]
_VERSION = DocumentVersion.__table__  # type: ignore[attr-defined]
_READING = DocumentReading.__table__  # type: ignore[attr-defined]
_ITEM_WIDTH = len(fields(ItemRow))
_DOCUMENT_WIDTH = len(fields(DocumentRow))
_VERSION_WIDTH = len(fields(VersionRow))

ITEMS = (
    sa.select(*_columns(_ITEM, ItemRow))
    .where(_ITEM.c.meeting_id == sa.bindparam("meeting"))
    .order_by(_ITEM.c.ordinal, _ITEM.c.id)
)
GUESTS = (
    sa.select(*_columns(_GUEST, GuestRow))
    .join(_ITEM, _ITEM.c.id == _GUEST.c.item_id)
    .where(_ITEM.c.meeting_id == sa.bindparam("meeting"))
    .order_by(_GUEST.c.id)
)
# Each item of the meeting with its documents, their versions and the version this reader
# last opened: a row per version (an item without documents, or a document without a
# version yet: a row with none of them).
PACKET = (
    sa.select(
        *_columns(_ITEM, ItemRow),
        *_columns(_DOCUMENT, DocumentRow),
        *_columns(_VERSION, VersionRow),
        _READING.c.version_number,
    )
    .outerjoin(_DOCUMENT, _DOCUMENT.c.item_id == _ITEM.c.id)
    .outerjoin(_VERSION, _VERSION.c.document_id == _DOCUMENT.c.id)
    .outerjoin(
        _READING,
        sa.and_(
            _READING.c.document_id == _DOCUMENT.c.id,
            _READING.c.person_id == sa.bindparam("person"),
        ),
    )
    .where(_ITEM.c.meeting_id == sa.bindparam("meeting"))
    .order_by(_ITEM.c.ordinal, _ITEM.c.id, _DOCUMENT.c.ordinal, _DOCUMENT.c.id, _VERSION.c.number)
)


async def items(db: AsyncSession, meeting_id: int) -> list[ItemRow]:
    connection = await db.connection()
    rows = await connection.execute(ITEMS, {"meeting": meeting_id})
    return [ItemRow(*row) for row in rows]


async def guests(db: AsyncSession, meeting_id: int) -> list[GuestRow]:
    connection = await db.connection()
    rows = await connection.execute(GUESTS, {"meeting": meeting_id})
    return [GuestRow(*row) for row in rows]


PacketRow = tuple[ItemRow, DocumentRow | None, VersionRow | None, int | None]


async def packet(db: AsyncSession, meeting_id: int, person_id: int | None) -> list[PacketRow]:
    """(item, document, version, the version number the reader last opened), in agenda
    order, then by document and version; None where there is none."""
    connection = await db.connection()
    person = person_id if person_id is not None else -1  # -1: nobody's readings
    rows = await connection.execute(PACKET, {"meeting": meeting_id, "person": person})
    out: list[PacketRow] = []
    at_document = _ITEM_WIDTH
    at_version = at_document + _DOCUMENT_WIDTH
    at_reading = at_version + _VERSION_WIDTH
    item: ItemRow | None = None
    document: DocumentRow | None = None
    for row in rows:
        # A row per version: the same item and document are made once, not once a row.
        if item is None or item.id != row[0]:
            item = ItemRow(*row[:at_document])
        if row[at_document] is None:
            document = None
        elif document is None or document.id != row[at_document]:
            document = DocumentRow(*row[at_document:at_version])
        version = VersionRow(*row[at_version:at_reading]) if row[at_version] else None
        out.append((item, document, version, row[at_reading]))
    return out

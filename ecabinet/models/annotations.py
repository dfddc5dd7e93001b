"""A member's own marks on the drafts: highlights, sticky notes and ink on a page, and
private notes on an agenda item. Nobody else sees them; the secretariat neither."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import at_field, json_field, text_field


class Annotation(SQLModel, table=True):
    __tablename__ = "annotation"
    __table_args__ = (
        sa.Index("ix_annotation_person_client", "person_id", "client_id", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    document_id: int = Field(foreign_key="document.id", index=True, ondelete="CASCADE")
    version_id: int = Field(foreign_key="document_version.id", index=True, ondelete="CASCADE")
    page: int
    kind: str = Field(max_length=16)  # highlight, note, ink
    # A highlight: the text and where it lies, as [left, top, width, height] fractions of
    # the page; a note: its text at (x, y); ink: strokes of [x, y] points, as fractions.
    quote: str = text_field()
    text: str = text_field()
    shape: Any = json_field(dict)
    # Set on a mark carried over from an earlier version: from which one, and whether
    # its quoted text was found again ("found") or not ("not_found"; shown, flagged).
    carried_from_id: int | None = Field(
        default=None, foreign_key="annotation.id", ondelete="SET NULL"
    )
    carry: str = Field(default="", max_length=16)
    created_at: datetime = at_field(default_now=True)
    # The tablet's own id for a mark made offline: sent again, it is not stored twice.
    client_id: str | None = Field(default=None, max_length=64)


class ItemNote(SQLModel, table=True):
    __tablename__ = "item_note"
    __table_args__ = (sa.UniqueConstraint("person_id", "item_id"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    item_id: int = Field(foreign_key="agenda_item.id", index=True, ondelete="CASCADE")
    text: str = text_field()
    updated_at: datetime = at_field(default_now=True)

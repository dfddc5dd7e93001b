"""Written positions on agenda items and comment threads on draft documents."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import at_field, text_field


class Position(SQLModel, table=True):
    """A member's current written position on one agenda item."""

    __tablename__ = "position"
    __table_args__ = (sa.UniqueConstraint("item_id", "membership_id"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="agenda_item.id", index=True)
    membership_id: int = Field(foreign_key="membership.id", index=True)
    stance: str = Field(max_length=32)
    text: str = text_field()
    # An assistant may draft; only the member submits.
    drafted_by_id: int | None = Field(default=None, foreign_key="person.id")
    submitted_at: datetime | None = at_field(nullable=True)
    updated_at: datetime = at_field(default_now=True)
    # Counts every change: the member submits an assistant's draft only as the revision
    # they reviewed, never a later one.
    revision: int = 0


class PositionRevision(SQLModel, table=True):
    """Every change of a position is kept."""

    __tablename__ = "position_revision"

    id: int | None = Field(default=None, primary_key=True)
    position_id: int = Field(foreign_key="position.id", index=True)
    stance: str = Field(max_length=32)
    text: str = text_field()
    changed_by_id: int | None = Field(default=None, foreign_key="person.id")
    changed_at: datetime = at_field(default_now=True)
    # "drafted" (by an assistant, not yet counted) or "submitted" (by the member).
    action: str = Field(default="submitted", max_length=16)


class Comment(SQLModel, table=True):
    """A comment on a page of one document version, possibly quoting a passage."""

    __tablename__ = "comment"
    __table_args__ = (sa.Index("ix_comment_author_client", "author_id", "client_id", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="document_version.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="comment.id")
    author_id: int = Field(foreign_key="person.id")
    page: int | None = None
    quote: str = text_field()
    text: str = text_field()
    created_at: datetime = at_field(default_now=True)
    # tiếp thu (accepted) or giải trình (explained), with the response text.
    resolution: str | None = Field(default=None, max_length=16)
    response: str = text_field()
    resolved_by_id: int | None = Field(default=None, foreign_key="person.id")
    resolved_at: datetime | None = at_field(nullable=True)
    # The tablet's own id for a comment written offline: sent again, it is not stored twice.
    client_id: str | None = Field(default=None, max_length=64)

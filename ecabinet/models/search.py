"""What full-text search looks in: one entry per page of every document version, per
comment and per item conclusion. The text is derived (rebuilt from the files and rows it
comes from); who may see an entry is decided at query time from the live document,
meeting and seat, never from a copy kept here."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from .base import at_field, text_field


class SearchEntry(SQLModel, table=True):
    __tablename__ = "search_entry"

    id: int | None = Field(default=None, primary_key=True)
    # "v:<version>:<page>", "c:<comment>", "k:<item>": one entry per source, whoever indexes.
    key: str = Field(max_length=64, unique=True)
    kind: str = Field(max_length=16)
    # Derived rows go with what they derive from: withdrawing a draft's document or
    # item is never blocked by its index entries.
    body_id: int = Field(foreign_key="body.id", index=True, ondelete="CASCADE")
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    item_id: int = Field(foreign_key="agenda_item.id", index=True, ondelete="CASCADE")
    document_id: int | None = Field(
        default=None, foreign_key="document.id", index=True, ondelete="CASCADE"
    )
    version_id: int | None = Field(
        default=None, foreign_key="document_version.id", index=True, ondelete="CASCADE"
    )
    comment_id: int | None = Field(
        default=None, foreign_key="comment.id", index=True, ondelete="CASCADE"
    )
    page: int | None = None
    text: str = text_field()
    # Lower case, without diacritics, đ as d (ecabinet.textfold): what the index reads.
    folded: str = text_field()
    indexed_at: datetime = at_field(default_now=True)

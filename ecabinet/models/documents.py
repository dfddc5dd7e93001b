"""Draft documents and their versions (the bytes live in content-addressed storage)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ..vocab import Classification
from .base import at_field, text_field


class Document(SQLModel, table=True):
    __tablename__ = "document"

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    item_id: int | None = Field(default=None, foreign_key="agenda_item.id", index=True)
    title: str = Field(max_length=500)
    title_en: str = Field(default="", max_length=500)
    summary: str = text_field()
    summary_en: str = text_field()
    classification: int = Classification.PUBLIC.value
    # The law forbids marking as secret what has no basis: a level above internal needs one.
    classification_basis: str = text_field()
    classified_by_id: int | None = Field(default=None, foreign_key="person.id")
    classified_at: datetime | None = at_field(nullable=True)
    ordinal: int = 0
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = at_field(default_now=True)


class DocumentVersion(SQLModel, table=True):
    __tablename__ = "document_version"
    __table_args__ = (sa.UniqueConstraint("document_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    number: int
    sha256: str = Field(max_length=64, index=True)
    size: int
    media_type: str = Field(max_length=127)
    filename: str = Field(max_length=255)
    page_count: int | None = None
    change_note: str = text_field()
    uploaded_by_id: int | None = Field(default=None, foreign_key="person.id")
    uploaded_at: datetime = at_field(default_now=True)


class StoredBlob(SQLModel, table=True):
    """Content-addressed bytes for the database storage backend (several servers share it).

    The bytes live in fixed-size chunks, so a file is written and served a piece at a time
    and a byte range reads only the chunks it covers.
    """

    __tablename__ = "stored_blob"

    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    chunk_size: int
    created_at: datetime = at_field(default_now=True)


class BlobChunk(SQLModel, table=True):
    __tablename__ = "blob_chunk"

    sha256: str = Field(foreign_key="stored_blob.sha256", primary_key=True, max_length=64)
    seq: int = Field(primary_key=True)
    data: bytes = Field(sa_type=sa.LargeBinary)


class DocumentReading(SQLModel, table=True):
    """The latest version of a document a person has opened: what "changed" is measured by."""

    __tablename__ = "document_reading"
    __table_args__ = (sa.UniqueConstraint("person_id", "document_id"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    version_number: int
    read_at: datetime = at_field(default_now=True)

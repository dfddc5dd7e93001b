"""Minutes of a meeting and their signed PDF revisions."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from ..vocab import MinutesState
from .base import at_field


class Minutes(SQLModel, table=True):
    __tablename__ = "minutes"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, unique=True)
    state: str = Field(default=MinutesState.DRAFT.value, max_length=24)
    draft_sha256: str = Field(default="", max_length=64)
    signed_sha256: str = Field(default="", max_length=64)
    audit_head: str = Field(default="", max_length=64)
    approved_by_id: int | None = Field(default=None, foreign_key="person.id")
    approved_at: datetime | None = at_field(nullable=True)
    created_at: datetime = at_field(default_now=True)
    updated_at: datetime = at_field(default_now=True)

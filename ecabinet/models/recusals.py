"""Declared conflicts of interest (xung đột lợi ích): a member does not take part in one
agenda item. They leave that item's electorate and, where the body so rules, its quorum;
the minutes say so."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from .base import at_field, text_field


class Recusal(SQLModel, table=True):
    __tablename__ = "recusal"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    item_id: int = Field(foreign_key="agenda_item.id", index=True)
    # The member's seat (for a stand-in, the seat of the member they stand in for).
    membership_id: int = Field(foreign_key="membership.id")
    reason: str = text_field()
    declared_by_id: int | None = Field(default=None, foreign_key="person.id")
    declared_at: datetime = at_field(default_now=True)
    withdrawn_at: datetime | None = at_field(nullable=True)

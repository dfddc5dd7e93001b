"""The list of speakers of an agenda item: who asked the floor, in which order the chair
gives it, and when each speech began and ended (the minutes read them from here)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from ..vocab import SpeechKind, SpeechState
from .base import at_field


class SpeakerRequest(SQLModel, table=True):
    __tablename__ = "speaker_request"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    item_id: int = Field(foreign_key="agenda_item.id", index=True)
    # The seat that speaks (a stand-in speaks from their own seat).
    membership_id: int = Field(foreign_key="membership.id")
    kind: str = Field(default=SpeechKind.SPEAK.value, max_length=16)
    state: str = Field(default=SpeechState.WAITING.value, max_length=16)
    # The chair's order among the waiting requests (smaller first).
    place: int = 0
    # The countdown given when the floor was granted, from the body's settings.
    limit_seconds: int = 0
    requested_at: datetime = at_field(default_now=True)
    started_at: datetime | None = at_field(nullable=True)
    ended_at: datetime | None = at_field(nullable=True)

"""Meetings, their agenda items, invited guests and attendance."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from ..vocab import ItemKind, ItemStatus, MeetingForm, MeetingKind, MeetingState
from .base import at_field, json_field, text_field


class Meeting(SQLModel, table=True):
    __tablename__ = "meeting"

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    number: int | None = None
    title: str = Field(max_length=255)
    # Content in English is optional; English pages fall back to the Vietnamese.
    title_en: str = Field(default="", max_length=255)
    summary: str = text_field()
    summary_en: str = text_field()
    kind: str = Field(default=MeetingKind.REGULAR.value, max_length=16)
    form: str = Field(default=MeetingForm.IN_PERSON.value, max_length=16)
    place: str = Field(default="", max_length=255)
    starts_at: datetime = at_field()
    opinion_deadline: datetime | None = at_field(nullable=True)
    state: str = Field(default=MeetingState.DRAFT.value, max_length=16)
    chair_membership_id: int | None = Field(default=None, foreign_key="membership.id")
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = at_field(default_now=True)
    published_at: datetime | None = at_field(nullable=True)
    opened_at: datetime | None = at_field(nullable=True)
    closed_at: datetime | None = at_field(nullable=True)
    current_item_id: int | None = None
    # Monotonic per meeting: every live event carries the next number so tablets see gaps.
    event_seq: int = 0
    triaged_at: datetime | None = at_field(nullable=True)
    consent_adopted_at: datetime | None = at_field(nullable=True)
    # "Follow the presenter": the page of a document of the current item the chair shows
    # on the room displays, and whether every tablet follows it too.
    # (No foreign key: document_version already leads back to meeting through its item.)
    presented_version_id: int | None = None
    presented_page: int | None = None
    presented_follow: bool = False


class AgendaItem(SQLModel, table=True):
    __tablename__ = "agenda_item"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    ordinal: int = 0
    title: str = Field(max_length=500)
    title_en: str = Field(default="", max_length=500)
    presenter: str = Field(default="", max_length=255)
    summary: str = text_field()
    summary_en: str = text_field()
    kind: str = Field(default=ItemKind.DECISION.value, max_length=16)
    status: str = Field(default=ItemStatus.PENDING.value, max_length=16)
    # Set when the secretariat moves an item against the triage, or a member pulls it.
    status_reason: str = text_field()
    discussion_notes: str = text_field()
    conclusion: str = text_field()
    created_at: datetime = at_field(default_now=True)
    # The chair closed the list of speakers: no new request but a point of order.
    speakers_closed_at: datetime | None = at_field(nullable=True)


class ItemGuest(SQLModel, table=True):
    """A non-voting invitee for one agenda item."""

    __tablename__ = "item_guest"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="agenda_item.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    name: str = Field(max_length=200)
    affiliation: str = Field(default="", max_length=255)


class Attendance(SQLModel, table=True):
    __tablename__ = "attendance"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "membership_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    membership_id: int = Field(foreign_key="membership.id", index=True)
    mode: str = Field(max_length=16)
    absence_reason: str = Field(default="", max_length=500)
    # A deputy who attends in the member's place (by default without a vote).
    stand_in_membership_id: int | None = Field(default=None, foreign_key="membership.id")
    # The agenda items the stand-in's mandate covers (from the member's attendance plan);
    # empty: the whole session. On other items the member's seat is absent.
    stand_in_items: list[int] = json_field(list)
    checked_in_at: datetime | None = at_field(nullable=True)
    left_at: datetime | None = at_field(nullable=True)
    # Set while the checked-in tablet has lost its live connection (beyond the grace
    # period); such a member is shown as away and does not count towards the quorum.
    away_since: datetime | None = at_field(nullable=True)

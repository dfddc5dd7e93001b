"""What happens around a meeting outside the room: each member's answer before the day
(attend, remotely, or apologies with a stand-in), the private calendar feeds, and the
follow-up tasks (theo dõi nhiệm vụ) that a conclusion assigns to an agency."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import at_field, json_field, text_field


class AttendancePlan(SQLModel, table=True):
    """A member's answer before the meeting; the live check-in is what counts on the day."""

    __tablename__ = "attendance_plan"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "membership_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    membership_id: int = Field(foreign_key="membership.id")
    # attend | remote | apologies
    answer: str = Field(max_length=16)
    # The deputy who will attend in the member's place (with apologies).
    stand_in_membership_id: int | None = Field(default=None, foreign_key="membership.id")
    # The agenda items the stand-in's mandate is limited to; empty: the whole session.
    stand_in_items: list[int] = json_field(list)
    note: str = Field(default="", max_length=500)
    answered_by_id: int | None = Field(default=None, foreign_key="person.id")
    updated_at: datetime = at_field(default_now=True)


class CalendarFeed(SQLModel, table=True):
    """A person's private .ics address; only the SHA-256 of its secret is kept."""

    __tablename__ = "calendar_feed"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = at_field(default_now=True)
    revoked_at: datetime | None = at_field(nullable=True)


class FollowUpTask(SQLModel, table=True):
    """A task a meeting's conclusion assigns to an agency, followed until done."""

    __tablename__ = "followup_task"

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    item_id: int | None = Field(default=None, foreign_key="agenda_item.id")
    # The member whose agency is responsible (the minister); their assistants (the
    # agency's secretariat) report on it too.
    membership_id: int | None = Field(default=None, foreign_key="membership.id")
    agency: str = Field(max_length=255)
    text: str = text_field()
    deadline: datetime = at_field()
    # assigned | in_progress | done | cancelled
    state: str = Field(default="assigned", max_length=16, index=True)
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = at_field(default_now=True)
    updated_at: datetime = at_field(default_now=True)
    done_at: datetime | None = at_field(nullable=True)
    # When the overdue task was escalated to the Government Office (the body's secretariat).
    escalated_at: datetime | None = at_field(nullable=True)


class TaskUpdate(SQLModel, table=True):
    """One report on a task: its new state and a note."""

    __tablename__ = "followup_task_update"

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="followup_task.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    state: str = Field(max_length=16)
    note: str = text_field()
    created_at: datetime = at_field(default_now=True)

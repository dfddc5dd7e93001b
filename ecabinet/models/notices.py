"""In-app notifications, which double as the outbox of e-mails when SMTP is configured."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from .base import at_field, json_field, text_field


class Notification(SQLModel, table=True):
    """One message for one person. ``message`` is an English msgid and ``params`` fill it, so
    the text is rendered in the reader's language when shown or mailed."""

    __tablename__ = "notification"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    body_id: int | None = Field(default=None, foreign_key="body.id")
    kind: str = Field(max_length=48, index=True)
    # What it is about ("meeting:3", "poll:7"): reminders are sent once per person and subject.
    subject: str = Field(default="", max_length=64, index=True)
    message: str = text_field()
    params: dict[str, Any] = json_field(dict)
    link: str = Field(default="", max_length=255)
    created_at: datetime = at_field(default_now=True)
    read_at: datetime | None = at_field(nullable=True)
    # E-mail delivery (only when an SMTP server is configured and the person has an address).
    mailed_at: datetime | None = at_field(nullable=True)
    # When a sender last claimed it: another process leaves it alone for a while.
    mail_tried_at: datetime | None = at_field(nullable=True)
    mail_attempts: int = 0
    mail_error: str = Field(default="", max_length=255)

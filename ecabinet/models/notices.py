"""Notifications: one row per message and person (the in-app list), one delivery row per
further channel (e-mail, Web Push) that the sweeper sends and retries, each person's
preferences, and the push subscriptions of their tablets."""

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


class NotificationDelivery(SQLModel, table=True):
    """One notification on one outside channel ("email", "push"): the outbox row that the
    sweeper sends, and retries with a growing pause while the channel is down."""

    __tablename__ = "notification_delivery"

    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = Field(foreign_key="notification.id", index=True)
    channel: str = Field(max_length=8)
    # pending → sent, or failed once it has been tried for too long (the error is kept).
    state: str = Field(default="pending", max_length=8, index=True)
    # Not before this time: quiet hours, the daily digest, or the pause after a failure.
    due_at: datetime = at_field(default_now=True, index=True)
    # Part of the person's daily digest rather than a message of its own.
    digest: bool = False
    attempts: int = 0
    # When a sender last claimed it: another process leaves it alone for a while.
    claimed_at: datetime | None = at_field(nullable=True)
    sent_at: datetime | None = at_field(nullable=True)
    error: str = Field(default="", max_length=255)


class NotificationPreference(SQLModel, table=True):
    """How one person wants to be told. Without a row, the defaults of the columns apply."""

    __tablename__ = "notification_preference"

    person_id: int = Field(foreign_key="person.id", primary_key=True)
    email: bool = True
    # E-mails gathered into one message a day, at ``digest_hour`` (local time).
    email_digest: bool = False
    digest_hour: int = 7
    push: bool = True
    # Kinds the person does not want outside the app (account security cannot be muted).
    muted: list[str] = json_field(list)
    # Local minutes after midnight; start == end means no quiet hours. Outside-app
    # channels wait until the quiet hours end (account security does not wait).
    quiet_start: int = 0
    quiet_end: int = 0
    # Hours before a deadline at which reminders come; empty: the server's default.
    lead_hours: list[int] = json_field(list)
    updated_at: datetime = at_field(default_now=True)


class PushSubscription(SQLModel, table=True):
    """A browser's Web Push subscription (its push service endpoint and its keys)."""

    __tablename__ = "push_subscription"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    endpoint: str = Field(max_length=1000, unique=True)
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=64)
    user_agent: str = Field(default="", max_length=255)
    created_at: datetime = at_field(default_now=True)
    # The push service answered 404/410: the subscription is gone and is not used again.
    gone_at: datetime | None = at_field(nullable=True)

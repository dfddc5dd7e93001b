"""Account recovery: two secretariat officials approve a new device for a person who lost
theirs, and the device it registers starts in quarantine."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from .base import at_field


class Recovery(SQLModel, table=True):
    """A request to let a person who already had a passkey register a new device.

    It gathers approvals; when every body the person sits in has two of its secretariat
    officials among them, one enrollment link is made and shown to the last approver."""

    __tablename__ = "recovery"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    started_by_id: int = Field(foreign_key="person.id")
    created_at: datetime = at_field(default_now=True)
    # Approvals gathered after this are refused: a half-approved request does not linger.
    expires_at: datetime = at_field()
    completed_at: datetime | None = at_field(nullable=True)
    enrollment_id: int | None = Field(default=None, foreign_key="enrollment.id", index=True)


class RecoveryApproval(SQLModel, table=True):
    """One official's approval, made with their own fresh passkey assertion."""

    __tablename__ = "recovery_approval"
    __table_args__ = (
        sa.UniqueConstraint(
            "recovery_id", "approver_id", name="uq_recovery_approval_recovery_id_approver"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    recovery_id: int = Field(foreign_key="recovery.id", index=True)
    approver_id: int = Field(foreign_key="person.id")
    credential_id: int = Field(foreign_key="passkey_credential.id")
    created_at: datetime = at_field(default_now=True)


class PasskeyQuarantine(SQLModel, table=True):
    """A passkey registered through recovery: it may sign in and read, but not act, until
    ``until`` or until one of the person's earlier devices ends the quarantine."""

    __tablename__ = "passkey_quarantine"

    id: int | None = Field(default=None, primary_key=True)
    credential_id: int = Field(foreign_key="passkey_credential.id", unique=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    recovery_id: int | None = Field(default=None, foreign_key="recovery.id")
    created_at: datetime = at_field(default_now=True)
    until: datetime = at_field()
    ended_at: datetime | None = at_field(nullable=True)
    # "released" early by another device, or "rejected" (the passkey was revoked).
    outcome: str = Field(default="", max_length=16)
    ended_by_credential_id: int | None = Field(default=None, foreign_key="passkey_credential.id")

"""The append-only, hash-chained audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from .base import at_field, json_field


class AuditEvent(SQLModel, table=True):
    """One audited fact. ``hash`` covers the canonical form of (previous hash, event)."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(unique=True)
    at: datetime = at_field()
    actor_id: int | None = Field(default=None, index=True)
    kind: str = Field(max_length=64, index=True)
    body_id: int | None = Field(default=None, index=True)
    subject: str = Field(default="", max_length=128)
    data: dict[str, Any] = json_field(dict)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)


class AuditHead(SQLModel, table=True):
    """The chain's head in one row: appending locks it, so two processes never fork the chain."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    hash: str = Field(max_length=64)

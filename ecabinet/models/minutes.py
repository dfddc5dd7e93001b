"""Minutes of a meeting and their signed PDF revisions.

Each PDF is kept in the content-addressed store; the row holds the SHA-256 of every stage,
so a stage can be served, checked and audited: the unsigned draft, the draft signed by the
secretary, and the final file signed by the chair. The conclusion notice follows the same
stages beside the minutes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from ..vocab import MinutesState
from .base import at_field, json_field


class Minutes(SQLModel, table=True):
    __tablename__ = "minutes"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, unique=True)
    state: str = Field(default=MinutesState.DRAFT.value, max_length=24)
    language: str = Field(default="vi", max_length=8)
    draft_sha256: str = Field(default="", max_length=64)
    secretary_sha256: str = Field(default="", max_length=64)
    signed_sha256: str = Field(default="", max_length=64)
    notice_draft_sha256: str = Field(default="", max_length=64)
    notice_secretary_sha256: str = Field(default="", max_length=64)
    notice_signed_sha256: str = Field(default="", max_length=64)
    evidence_sha256: str = Field(default="", max_length=64)
    audit_head: str = Field(default="", max_length=64)
    rendered_by_id: int | None = Field(default=None, foreign_key="person.id")
    rendered_at: datetime | None = at_field(nullable=True)
    approved_by_id: int | None = Field(default=None, foreign_key="person.id")
    approved_at: datetime | None = at_field(nullable=True)
    # The chair's passkey assertion over SHA-256 of the draft: authenticatorData,
    # clientDataJSON and signature (base64url), the credential and its SPKI public key.
    approval: dict[str, Any] = json_field(dict)
    secretary_signed_by_id: int | None = Field(default=None, foreign_key="person.id")
    secretary_signed_at: datetime | None = at_field(nullable=True)
    chair_signed_by_id: int | None = Field(default=None, foreign_key="person.id")
    chair_signed_at: datetime | None = at_field(nullable=True)
    created_at: datetime = at_field(default_now=True)
    updated_at: datetime = at_field(default_now=True)

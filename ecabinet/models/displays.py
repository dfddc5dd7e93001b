"""Room displays: a projector or wall screen enrolled as a display seat of a body. It is
nobody: it has no passkey, no vote, no documents; its cookie opens the room display of
its body's meetings and nothing else."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from .base import at_field


class DisplaySeat(SQLModel, table=True):
    __tablename__ = "display_seat"

    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    name: str = Field(max_length=120)
    # The one-time enrollment link's token hash, until the screen is enrolled.
    link_hash: str | None = Field(default=None, max_length=64, unique=True)
    link_expires_at: datetime = at_field()
    # The screen's cookie token hash, once enrolled.
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = at_field(default_now=True)
    enrolled_at: datetime | None = at_field(nullable=True)
    revoked_at: datetime | None = at_field(nullable=True)
    revoked_by_id: int | None = Field(default=None, foreign_key="person.id")

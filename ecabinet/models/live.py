"""Live connections of tablets, shared by every server process.

Each row is one open websocket of a signed-in person. Its process refreshes ``seen_at``
while the socket lives; a row that stops being refreshed (the socket closed, or the
process died) expires after the presence grace, and a checked-in member whose every
connection has expired is shown as away.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from .base import at_field


class LiveConnection(SQLModel, table=True):
    __tablename__ = "live_connection"

    id: str = Field(primary_key=True, max_length=36)
    person_id: int = Field(foreign_key="person.id", index=True)
    login_id: int | None = Field(default=None, foreign_key="login_session.id")
    # The meeting the tablet shows, if any (for operators reading the table).
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    # host:pid of the server process that holds the socket.
    process: str = Field(default="", max_length=80)
    connected_at: datetime = at_field(default_now=True)
    seen_at: datetime = at_field(default_now=True, index=True)
    closed_at: datetime | None = at_field(nullable=True)

"""Ending every login (sign-in session) opened with one passkey, and closing their
websockets.

The logins end in the database (the cookie is only a key to a row); the event, published
after commit, reaches every server process (in-process bus on SQLite, LISTEN/NOTIFY on
PostgreSQL), and each hub closes the live connections of those logins at once instead of
at its next heartbeat.
"""

from __future__ import annotations

from sqlmodel import col, select

from ..db import Tx
from ..events import Event, EventKind, LoginsEnded
from ..models import LoginSession, utcnow

LOGINS_ENDED = EventKind.LOGINS_ENDED


async def end_logins_of_credential(tx: Tx, credential_id: int, *, reason: str) -> list[int]:
    """End the open logins made with this passkey; returns their ids."""
    rows = list(
        (
            await tx.session.exec(
                select(LoginSession).where(
                    LoginSession.credential_id == credential_id,
                    col(LoginSession.ended_at).is_(None),
                )
            )
        ).all()
    )
    now = utcnow()
    for login in rows:
        login.ended_at = now
        tx.session.add(login)
    await tx.session.flush()
    ids = [login.id for login in rows if login.id is not None]
    if ids:
        tx.emit(Event.of(LOGINS_ENDED, LoginsEnded(tuple(ids), reason)))
    return ids

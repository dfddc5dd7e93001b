"""An open websocket keeps a sign-in from going idle only while its tablet shows a meeting
in session that its person attends; an idle sign-in's sockets are closed."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col, select

from ecabinet.auth.logins import start_login
from ecabinet.db import Database
from ecabinet.models import LoginSession, Meeting, Person, utcnow
from ecabinet.realtime import presence
from ecabinet.settings import Settings
from ecabinet.vocab import MeetingState

from ..support.live import attend, make_session


@dataclass
class Socket:
    id: str
    person_id: int
    login_id: int | None
    meeting_id: int | None


async def _login(db: Database, person_id: int, idle_for: timedelta) -> int:
    async with db.transaction() as tx:
        person = await tx.session.get(Person, person_id)
        assert person is not None
        await start_login(tx.session, person, credential_id=None)
        login = (
            await tx.session.exec(
                select(LoginSession)
                .where(LoginSession.person_id == person_id)
                .order_by(col(LoginSession.id).desc())
            )
        ).first()
        assert login is not None and login.id is not None
        await tx.session.exec(
            update(LoginSession)
            .where(col(LoginSession.id) == login.id)
            .values(last_seen_at=utcnow() - idle_for)
        )
        return login.id


async def _last_seen_age(db: Database, login_id: int) -> timedelta:
    async with db.read() as session:
        login = await session.get(LoginSession, login_id)
    assert login is not None
    return utcnow() - login.last_seen_at


async def test_only_an_attendees_socket_keeps_the_sign_in_alive(
    db: Database, settings: Settings
) -> None:
    live = await make_session(db, settings)
    async with db.transaction() as tx:
        meeting = await tx.session.get(Meeting, live.meeting_id)
        assert meeting is not None
        meeting.state = MeetingState.IN_SESSION.value
        tx.session.add(meeting)
    chair, observer = live.seats["chair"], live.seats["observer"]
    await attend(db, live.meeting_id, chair)
    attending = await _login(db, chair.person_id, timedelta(minutes=10))
    watching = await _login(db, observer.person_id, timedelta(minutes=10))
    forgotten = await _login(db, live.seats["member"].person_id, timedelta(minutes=40))
    sockets = [
        Socket("a", chair.person_id, attending, live.meeting_id),
        Socket("b", observer.person_id, watching, live.meeting_id),
        Socket("c", live.seats["member"].person_id, forgotten, None),
    ]
    ended = await presence.sweep(db, replace(settings, session_idle_minutes=30), sockets)
    assert await _last_seen_age(db, attending) < timedelta(minutes=1)
    assert await _last_seen_age(db, watching) > timedelta(minutes=9)  # not extended
    assert ended == {forgotten}  # idle past 30 minutes: its socket is closed

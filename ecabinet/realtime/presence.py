"""Presence follows the tablets' live connections, across all server processes.

Each websocket is a row in ``live_connection`` that its process refreshes at every
heartbeat. A sweep (every process, every heartbeat) reconciles the attendance of open
sessions with those rows: a checked-in member none of whose connections has been seen
within the grace period becomes away (not counted for the quorum), and comes back as soon
as a connection is seen again. Both moves are audited and reach the tablets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Protocol

from sqlalchemy import delete, update
from sqlmodel import col, func, select

from .. import audit
from ..db import Database, Tx
from ..events import AttendanceMoved, Event, EventKind
from ..models import Attendance, LiveConnection, LoginSession, Meeting, Membership, utcnow
from ..settings import Settings
from ..vocab import MeetingState

# Rows older than this are history nobody needs: the away marks they caused are kept.
FORGET_AFTER = timedelta(hours=1)


class Holder(Protocol):
    id: str
    person_id: int
    login_id: int | None
    meeting_id: int | None


async def connected(db: Database, connection: Holder, process: str) -> None:
    async with db.transaction() as tx:
        tx.session.add(
            LiveConnection(
                id=connection.id,
                person_id=connection.person_id,
                login_id=connection.login_id,
                process=process,
            )
        )
        await tx.session.flush()
        await _back(tx, connection.person_id)


async def _back(tx: Tx, person: int) -> None:
    """A new connection brings its person back wherever they were away."""
    seats = set(
        (await tx.session.exec(select(Membership.id).where(Membership.person_id == person))).all()
    )
    if not seats:
        return
    rows = await tx.session.exec(
        select(Attendance, Meeting.body_id)
        .join(Meeting, col(Meeting.id) == Attendance.meeting_id)
        .where(
            Meeting.state == MeetingState.IN_SESSION.value,
            col(Attendance.away_since).is_not(None),
            col(Attendance.membership_id).in_(seats)
            | col(Attendance.stand_in_membership_id).in_(seats),
        )
    )
    for row, body_id in rows.all():
        if (row.stand_in_membership_id or row.membership_id) in seats:
            await _move(tx, row, body_id, person, away=False)


async def open_for_login(db: Database, settings: Settings, login_id: int) -> int:
    """Live connections this sign-in holds now, in every server process."""
    cutoff = utcnow() - timedelta(seconds=settings.presence_grace_seconds)
    async with db.read() as session:
        return (
            await session.exec(
                select(func.count())
                .select_from(LiveConnection)
                .where(
                    LiveConnection.login_id == login_id,
                    col(LiveConnection.closed_at).is_(None),
                    LiveConnection.seen_at > cutoff,
                )
            )
        ).one()


async def disconnected(db: Database, connection_id: str) -> None:
    async with db.transaction() as tx:
        now = utcnow()
        await tx.session.exec(
            update(LiveConnection)
            .where(col(LiveConnection.id) == connection_id)
            .values(seen_at=now, closed_at=now)
        )


async def sweep(db: Database, settings: Settings, connections: Sequence[Holder]) -> set[int]:
    """Refresh this process's connections and reconcile attendance; return the sign-ins
    that have ended (their sockets are closed by the caller)."""
    ids = [c.id for c in connections]
    async with db.transaction() as tx:
        # Taken once the write lock is held: a sweep that waited for it still refreshes
        # its connections as seen now, and judges the others against now.
        now = utcnow()
        if ids:
            await tx.session.exec(
                update(LiveConnection).where(col(LiveConnection.id).in_(ids)).values(seen_at=now)
            )
        await _keep_signed_in(tx, await _attending_logins(tx, connections))
        ended = await _ended(
            tx, settings, {c.login_id for c in connections if c.login_id is not None}
        )
        cutoff = now - timedelta(seconds=settings.presence_grace_seconds)
        live = set(
            (
                await tx.session.exec(
                    select(LiveConnection.person_id).where(LiveConnection.seen_at > cutoff)
                )
            ).all()
        )
        await _reconcile(tx, live)
        # Connections of a process that died were never closed: close them as of the
        # last time they were seen, so nothing counts them as open.
        await tx.session.exec(
            update(LiveConnection)
            .where(col(LiveConnection.closed_at).is_(None), col(LiveConnection.seen_at) <= cutoff)
            .values(closed_at=LiveConnection.seen_at)
        )
        await tx.session.exec(
            delete(LiveConnection).where(col(LiveConnection.seen_at) < now - FORGET_AFTER)
        )
    return ended


async def _attending_logins(tx: Tx, connections: Sequence[Holder]) -> set[int]:
    """The sign-ins of tablets that show a meeting in session that their person attends:
    only those are in use without sending requests. Any other open socket (a forgotten
    tab) does not keep a sign-in from going idle."""
    watching = {
        (c.meeting_id, c.person_id, c.login_id)
        for c in connections
        if c.meeting_id is not None and c.login_id is not None
    }
    if not watching:
        return set()
    rows = await tx.session.exec(
        select(Attendance)
        .join(Meeting, col(Meeting.id) == Attendance.meeting_id)
        .where(
            Meeting.state == MeetingState.IN_SESSION.value,
            col(Attendance.meeting_id).in_({meeting for meeting, _, _ in watching}),
            col(Attendance.checked_in_at).is_not(None),
            col(Attendance.left_at).is_(None),
        )
    )
    attendance = list(rows.all())
    people = await _attending_people(tx, attendance)
    present = {
        (row.meeting_id, people.get(row.stand_in_membership_id or row.membership_id))
        for row in attendance
    }
    return {
        login
        for meeting, person, login in watching
        if (meeting, person) in present and login is not None
    }


async def _keep_signed_in(tx: Tx, logins: set[int]) -> None:
    if logins:
        await tx.session.exec(
            update(LoginSession)
            .where(col(LoginSession.id).in_(logins), col(LoginSession.ended_at).is_(None))
            .values(last_seen_at=utcnow())
        )


async def _ended(tx: Tx, settings: Settings, logins: set[int]) -> set[int]:
    """The sign-ins that ended: signed out, revoked, idle, or past their absolute limit;
    their sockets are closed by the caller."""
    if not logins:
        return set()
    now = utcnow()
    limit = now - timedelta(hours=settings.session_absolute_hours)
    idle = now - timedelta(minutes=settings.session_idle_minutes)
    rows = await tx.session.exec(
        select(LoginSession.id)
        .where(col(LoginSession.id).in_(logins))
        .where(
            col(LoginSession.ended_at).is_not(None)
            | (col(LoginSession.created_at) < limit)
            | (col(LoginSession.last_seen_at) < idle)
        )
    )
    return {row for row in rows.all() if row is not None}


async def _reconcile(tx: Tx, live: set[int]) -> None:
    """Mark away the attendees with no live connection who had one, and back those who
    have one again (a connection may have come in while another process swept)."""
    rows = await tx.session.exec(
        select(Attendance, Meeting.body_id)
        .join(Meeting, col(Meeting.id) == Attendance.meeting_id)
        .where(
            Meeting.state == MeetingState.IN_SESSION.value,
            col(Attendance.checked_in_at).is_not(None),
            col(Attendance.left_at).is_(None),
        )
    )
    attendance = list(rows.all())
    people = await _attending_people(tx, [row for row, _ in attendance])
    ever = await _ever_connected(tx, set(people.values()))
    for row, body_id in attendance:
        person = people.get(row.stand_in_membership_id or row.membership_id)
        if person is None:
            continue
        if row.away_since is None and person in ever and person not in live:
            await _move(tx, row, body_id, person, away=True)
        elif row.away_since is not None and person in live:
            await _move(tx, row, body_id, person, away=False)


async def _attending_people(tx: Tx, rows: Iterable[Attendance]) -> dict[int, int]:
    seats = {row.stand_in_membership_id or row.membership_id for row in rows}
    if not seats:
        return {}
    found = await tx.session.exec(
        select(Membership.id, Membership.person_id).where(col(Membership.id).in_(seats))
    )
    return {seat: person for seat, person in found.all() if seat is not None}


async def _ever_connected(tx: Tx, people: set[int]) -> set[int]:
    if not people:
        return set()
    rows = await tx.session.exec(
        select(LiveConnection.person_id).where(col(LiveConnection.person_id).in_(people)).distinct()
    )
    return set(rows.all())


async def _move(tx: Tx, row: Attendance, body_id: int, person: int, *, away: bool) -> None:
    # Conditional, so that two processes sweeping at once record the move only once.
    result = await tx.session.exec(
        update(Attendance)
        .where(
            col(Attendance.id) == row.id,
            col(Attendance.away_since).is_(None)
            if away
            else col(Attendance.away_since).is_not(None),
        )
        .values(away_since=utcnow() if away else None)
    )
    if result.rowcount != 1:
        return
    kind = EventKind.ATTENDANCE_AWAY if away else EventKind.ATTENDANCE_BACK
    await audit.record(
        tx.session,
        kind,
        actor_id=person,
        body_id=body_id,
        subject=f"meeting:{row.meeting_id}",
        seat=row.membership_id,
    )
    tx.emit(
        Event.of(
            kind,
            AttendanceMoved(row.meeting_id, row.membership_id),
            body_id=body_id,
            meeting_id=row.meeting_id,
        )
    )

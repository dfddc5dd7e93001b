"""Logins (sign-in sessions): a random token in an HttpOnly cookie, its hash in the
database.

The server can end a login at once (sign-out, a revoked passkey, a timeout) because the
cookie is only a key to a row, not the login itself. ``db`` is the database session.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import and_, literal, update
from sqlalchemy.exc import OperationalError
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..db import Tx
from ..models import LoginSession, Membership, Notification, Person, utcnow
from ..settings import Settings
from .actor import ANONYMOUS, Actor

# The name browsers already hold: renaming the cookie would sign everyone out.
LOGIN_COOKIE = "ecab_session"
# Writing last_seen on every request would make every page a write; a minute is fine
# for an idle timeout counted in tens of minutes.
TOUCH_INTERVAL = timedelta(seconds=60)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def start_login(
    db: AsyncSession,
    person: Person,
    *,
    credential_id: int | None,
    fresh_minutes: int = 5,
    user_agent: str = "",
) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    assert person.id is not None
    db.add(
        LoginSession(
            token_hash=hash_token(token),
            person_id=person.id,
            credential_id=credential_id,
            created_at=now,
            last_seen_at=now,
            fresh_until=now + timedelta(minutes=fresh_minutes),
            user_agent=user_agent[:255],
        )
    )
    await db.flush()
    return token


def is_expired(login: LoginSession, settings: Settings) -> bool:
    now = utcnow()
    return (
        login.ended_at is not None
        or now - login.last_seen_at > timedelta(minutes=settings.session_idle_minutes)
        or now - login.created_at > timedelta(hours=settings.session_absolute_hours)
    )


async def actor_for_token(db: AsyncSession, token: str | None, settings: Settings) -> Actor:
    actor, _ = await actor_and_unread(db, token, settings, count_unread=False)
    if actor.login is not None and needs_touch(actor.login):
        await _touch(db, actor.login)
    return actor


async def actor_and_unread(
    db: AsyncSession, token: str | None, settings: Settings, *, count_unread: bool
) -> tuple[Actor, int]:
    """The actor, and for a page the number behind the notification badge. The caller
    records the activity when it ``needs_touch``."""
    if not token:
        return ANONYMOUS, 0
    # Every request comes through here: the login, its person, their active seats (and
    # the unread count) in one round trip: one row per seat, or one row with no seat.
    unread = (
        select(func.count())
        .select_from(Notification)
        .where(
            col(Notification.person_id) == LoginSession.person_id,
            col(Notification.read_at).is_(None),
        )
        .scalar_subquery()
        if count_unread
        else literal(0)
    )
    rows = (
        await db.exec(
            select(LoginSession, Person, Membership, unread)
            .join(Person, col(Person.id) == LoginSession.person_id)
            .outerjoin(
                Membership, and_(col(Membership.person_id) == Person.id, col(Membership.active))
            )
            .where(col(LoginSession.token_hash) == hash_token(token))
            .order_by(col(Membership.id))
        )
    ).all()
    if not rows:
        return ANONYMOUS, 0
    login, person, _, count = rows[0]
    if is_expired(login, settings) or person.disabled_at is not None:
        return ANONYMOUS, 0
    seats = [seat for _, _, seat, _ in rows if seat is not None]
    return Actor(person=person, login=login, memberships={m.body_id: m for m in seats}), count


def needs_touch(login: LoginSession) -> bool:
    return utcnow() - login.last_seen_at > TOUCH_INTERVAL


async def touch(tx: Tx, login_id: int) -> None:
    """Record activity for the idle timeout, in a transaction of its own: the request that
    asked for it does not wait (50 tablets signed in a while ago, fetching their packet at
    the same moment, each had to write before its first byte)."""
    await tx.session.exec(
        update(LoginSession)
        .where(col(LoginSession.id) == login_id, col(LoginSession.ended_at).is_(None))
        .values(last_seen_at=utcnow())
    )


async def _touch(db: AsyncSession, login: LoginSession) -> None:
    """Record activity for the idle timeout. It is bookkeeping: when SQLite refuses to turn
    this read into a write because another writer holds the lock ("database is locked"),
    the touch waits for a later request instead of failing this one."""
    db.expunge_all()  # what was read stays intact whatever happens to the write
    login.last_seen_at = utcnow()
    try:
        await db.exec(
            update(LoginSession)
            .where(col(LoginSession.id) == login.id)
            .values(last_seen_at=login.last_seen_at)
        )
        await db.commit()
    except OperationalError:
        await db.rollback()


async def end_login(db: AsyncSession, token: str | None) -> LoginSession | None:
    if not token:
        return None
    login = (
        await db.exec(select(LoginSession).where(LoginSession.token_hash == hash_token(token)))
    ).first()
    if login is not None and login.ended_at is None:
        login.ended_at = utcnow()
        db.add(login)
    return login

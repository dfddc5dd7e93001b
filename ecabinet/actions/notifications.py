"""In-app notifications: reminders, written polls sent, drafts waiting for a member.

A notification keeps an English msgid and its parameters, so each person reads it in their
own language, on the page and in the e-mail that ecabinet.mail sends when SMTP is set.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlmodel import col, func, select

from .. import audit
from ..auth.actor import Actor
from ..auth.permissions import ensure_signed_in
from ..db import Tx
from ..errors import NotFound
from ..events import Event, EventKind, NotificationCreated
from ..models import Membership, Notification, utcnow


async def notify(
    tx: Tx, person_ids: Iterable[int], *, kind: str, message: str, body_id: int | None = None,
    subject: str = "", link: str = "", once: bool = False, **params: Any,
) -> list[Notification]:
    """Notify each person; with ``once``, skip whoever already had this kind for the subject
    (a reminder is sent once, however often the sweeper runs)."""
    wanted = sorted(set(person_ids))
    if once and wanted:
        already = set((await tx.session.exec(select(Notification.person_id).where(
            Notification.kind == kind, Notification.subject == subject,
            col(Notification.person_id).in_(wanted)))).all())
        wanted = [p for p in wanted if p not in already]
    rows = [Notification(person_id=p, body_id=body_id, kind=kind, subject=subject,
                         message=message, params=params, link=link) for p in wanted]
    tx.session.add_all(rows)
    await tx.session.flush()
    if rows:
        tx.emit(Event.of(EventKind.NOTIFICATION_CREATED, NotificationCreated(kind, subject),
                         body_id=body_id, recipients=frozenset(wanted)))
    return rows


async def with_assistants(tx: Tx, seats: Iterable[Membership]) -> list[int]:
    """The people of these seats and of the assistants who work for them."""
    seats = list(seats)
    ids = [s.id for s in seats if s.id is not None]
    helpers = (await tx.session.exec(select(Membership.person_id).where(
        col(Membership.assists_id).in_(ids), col(Membership.active)))).all() if ids else []
    return sorted({s.person_id for s in seats} | set(helpers))


async def notifications_of(tx: Tx, actor: Actor, *, limit: int = 50) -> list[Notification]:
    ensure_signed_in(actor)
    rows = await tx.session.exec(select(Notification).where(
        Notification.person_id == actor.person_id).order_by(
        col(Notification.created_at).desc(), col(Notification.id).desc()).limit(limit))
    return list(rows.all())


async def unread_count(tx: Tx, actor: Actor) -> int:
    if not actor.signed_in:
        return 0
    count: int = (await tx.session.exec(select(func.count()).select_from(Notification).where(
        Notification.person_id == actor.person_id,
        col(Notification.read_at).is_(None)))).one()
    return count


async def mark_read(tx: Tx, actor: Actor, notification_id: int | None = None) -> int:
    """Mark one notification (or all of them) read; returns how many changed."""
    ensure_signed_in(actor)
    query = select(Notification).where(Notification.person_id == actor.person_id,
                                       col(Notification.read_at).is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    rows = list((await tx.session.exec(query)).all())
    if notification_id is not None and not rows:
        known = await tx.session.get(Notification, notification_id)
        if known is None or known.person_id != actor.person_id:
            raise NotFound("There is no notification with the number %(id)s.",
                           id=notification_id)
    now = utcnow()
    for row in rows:
        row.read_at = now
        tx.session.add(row)
    await tx.session.flush()
    if rows:
        await audit.record(tx.session, "notification.read", actor_id=actor.person_id,
                           subject=f"person:{actor.person_id}", count=len(rows))
    return len(rows)

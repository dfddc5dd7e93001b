"""The one notification service: every notice for a person goes through :func:`notify`.

A notification keeps an English msgid and its parameters, so each person reads it in their
own language, on the page, in the e-mail and in the push message. The in-app row is written
in the transaction of the change it reports; the outside channels get a delivery row each
(the outbox), which ecabinet.notices sends after commit and retries while a channel is down.
Each person chooses channels, mutes kinds, sets quiet hours and a daily e-mail digest;
account-security notices ignore all of that.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlmodel import col, func, select

from .. import audit
from ..auth.actor import Actor
from ..auth.permissions import ensure_signed_in
from ..db import Tx
from ..errors import NotFound
from ..events import Event, EventKind, NotificationCreated
from ..models import (
    Membership,
    Notification,
    NotificationDelivery,
    NotificationPreference,
    Person,
    PushSubscription,
    utcnow,
)
from ..notices.schedule import due_lead
from ..vocab import DeliveryChannel, NoticeKind


async def notify(
    tx: Tx,
    person_ids: Iterable[int],
    *,
    kind: NoticeKind | str,
    message: str,
    body_id: int | None = None,
    subject: str = "",
    link: str = "",
    once: bool = False,
    **params: Any,
) -> list[Notification]:
    """Notify each person: in the app at once (their badge counts it live), and through
    each outside channel they keep (e-mail, Web Push), which the sweeper sends and retries.

    With ``once``, whoever already had this kind for the subject is skipped (a reminder is
    sent once, however often the sweeper runs). An unknown kind is a programming error.
    """
    kind = NoticeKind(kind)
    wanted = sorted(set(person_ids))
    if once and wanted:
        already = set(
            (
                await tx.session.exec(
                    select(Notification.person_id).where(
                        Notification.kind == kind.value,
                        Notification.subject == subject,
                        col(Notification.person_id).in_(wanted),
                    )
                )
            ).all()
        )
        wanted = [p for p in wanted if p not in already]
    if not wanted:
        return []
    rows = [
        Notification(
            person_id=p,
            body_id=body_id,
            kind=kind.value,
            subject=subject,
            message=message,
            params=params,
            link=link,
        )
        for p in wanted
    ]
    tx.session.add_all(rows)
    await tx.session.flush()
    await _plan_deliveries(tx, rows, kind)
    tx.emit(
        Event.of(
            EventKind.NOTIFICATION_CREATED,
            NotificationCreated(kind.value, subject),
            body_id=body_id,
            recipients=frozenset(wanted),
        )
    )
    return rows


def stamp(moment: datetime) -> str:
    """A time in a notice: UTC, stated as such, since the text is stored once for all."""
    return moment.strftime("%Y-%m-%d %H:%M UTC")


async def account_notice(
    tx: Tx, person_id: int, kind: NoticeKind, message: str, *, link: str = "/devices", **params: Any
) -> Notification:
    """Tell a person about a change to their account (a new passkey, a recovery): on every
    channel they have, at once, whatever their preferences and quiet hours say."""
    if kind.silenceable:
        raise ValueError(f"{kind} is not an account-security notice")
    rows = await notify(tx, [person_id], kind=kind, message=message, link=link, **params)
    return rows[0]


async def remind(
    tx: Tx,
    person_ids: Iterable[int],
    *,
    leads: list[int] | None,
    due_at: datetime,
    kind: NoticeKind,
    subject: str,
    message: str,
    **fields: Any,
) -> list[Notification]:
    """A reminder before the deadline ``due_at``: sent now to everyone when ``leads`` is None (the
    secretariat chases), else once per person and lead time, at the lead time each person
    chose (or ``leads``, the server's default), by the sweeper."""
    people = sorted(set(person_ids))
    if leads is None:
        return await notify(tx, people, kind=kind, subject=subject, message=message, **fields)
    prefs = await preferences_of(tx, people)
    now = utcnow()
    by_lead: dict[int, list[int]] = {}
    for person_id in people:
        lead = due_lead(now, due_at, prefs[person_id].lead_hours or leads)
        if lead is not None:
            by_lead.setdefault(lead, []).append(person_id)
    sent: list[Notification] = []
    for lead, group in sorted(by_lead.items()):
        sent += await notify(
            tx, group, kind=kind, subject=f"{subject}/{lead}h", once=True, message=message, **fields
        )
    return sent


async def preferences_of(tx: Tx, person_ids: Iterable[int]) -> dict[int, NotificationPreference]:
    """Each person's preferences; the column defaults for those who never set any."""
    ids = sorted(set(person_ids))
    found = {
        p.person_id: p
        for p in (
            await tx.session.exec(
                select(NotificationPreference).where(col(NotificationPreference.person_id).in_(ids))
            )
        ).all()
    }
    return {i: found.get(i) or NotificationPreference(person_id=i) for i in ids}


async def _plan_deliveries(tx: Tx, rows: list[Notification], kind: NoticeKind) -> None:
    ids = [r.person_id for r in rows]
    prefs = await preferences_of(tx, ids)
    emails = {
        p.id
        for p in (
            await tx.session.exec(
                select(Person).where(
                    col(Person.id).in_(ids),
                    col(Person.email).is_not(None),
                    col(Person.disabled_at).is_(None),
                )
            )
        ).all()
    }
    pushed = set(
        (
            await tx.session.exec(
                select(PushSubscription.person_id).where(
                    col(PushSubscription.person_id).in_(ids),
                    col(PushSubscription.gone_at).is_(None),
                )
            )
        ).all()
    )
    deliveries = []
    for row in rows:
        assert row.id is not None
        pref = prefs[row.person_id]
        if kind.silenceable and kind.value in pref.muted:
            continue
        if row.person_id in emails and (pref.email or not kind.silenceable):
            deliveries.append(
                NotificationDelivery(
                    notification_id=row.id,
                    channel=DeliveryChannel.EMAIL.value,
                    digest=pref.email_digest and kind.silenceable,
                )
            )
        if row.person_id in pushed and (pref.push or not kind.silenceable):
            deliveries.append(
                NotificationDelivery(notification_id=row.id, channel=DeliveryChannel.PUSH.value)
            )
    tx.session.add_all(deliveries)
    await tx.session.flush()


async def with_assistants(tx: Tx, seats: Iterable[Membership]) -> list[int]:
    """The people of these seats and of the assistants who work for them."""
    seats = list(seats)
    ids = [s.id for s in seats if s.id is not None]
    helpers = (
        (
            await tx.session.exec(
                select(Membership.person_id).where(
                    col(Membership.assists_id).in_(ids), col(Membership.active)
                )
            )
        ).all()
        if ids
        else []
    )
    return sorted({s.person_id for s in seats} | set(helpers))


async def notifications_of(tx: Tx, actor: Actor, *, limit: int = 50) -> list[Notification]:
    ensure_signed_in(actor)
    rows = await tx.session.exec(
        select(Notification)
        .where(Notification.person_id == actor.person_id)
        .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
        .limit(limit)
    )
    return list(rows.all())


async def unread_count(tx: Tx, actor: Actor) -> int:
    if not actor.signed_in:
        return 0
    count: int = (
        await tx.session.exec(
            select(func.count())
            .select_from(Notification)
            .where(Notification.person_id == actor.person_id, col(Notification.read_at).is_(None))
        )
    ).one()
    return count


async def mark_read(tx: Tx, actor: Actor, notification_id: int | None = None) -> int:
    """Mark one notification (or all of them) read; returns how many changed."""
    ensure_signed_in(actor)
    query = select(Notification).where(
        Notification.person_id == actor.person_id, col(Notification.read_at).is_(None)
    )
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    rows = list((await tx.session.exec(query)).all())
    if notification_id is not None and not rows:
        known = await tx.session.get(Notification, notification_id)
        if known is None or known.person_id != actor.person_id:
            raise NotFound("There is no notification with the number %(id)s.", id=notification_id)
    now = utcnow()
    for row in rows:
        row.read_at = now
        tx.session.add(row)
    await tx.session.flush()
    if rows:
        await audit.record(
            tx.session,
            "notification.read",
            actor_id=actor.person_id,
            subject=f"person:{actor.person_id}",
            count=len(rows),
        )
    return len(rows)

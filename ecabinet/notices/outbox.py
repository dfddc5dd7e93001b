"""The delivery outbox shared by the channels: claim what is due, hold what must wait
(quiet hours, the digest), and record each attempt with its retry pause.

Rows are claimed in one short transaction and marked in another, so no database lock is
held while a mail server or push service answers (on SQLite that lock would stop every
writer). Several processes may sweep at once: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL and
the claim time keep each delivery with one sender.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, or_, select

from ..db import Database, Tx
from ..models import Notification, NotificationDelivery, Person, utcnow
from ..settings import Settings
from ..vocab import DeliveryChannel, DeliveryState, NoticeKind
from . import schedule

BATCH = 50
# A claimed delivery not marked by then (its sender died) is tried again.
CLAIM_TIMEOUT = timedelta(minutes=5)


@dataclass(frozen=True)
class Due:
    delivery_id: int
    digest: bool
    notification: Notification
    person: Person


def _hold(
    now: datetime,
    zone: ZoneInfo,
    delivery: NotificationDelivery,
    notification: Notification,
    quiet: tuple[int, int],
    digest_hour: int,
) -> datetime | None:
    """Until when this delivery must wait, or None to send it now."""
    if not NoticeKind(notification.kind).silenceable:
        return None
    if delivery.digest:
        release = schedule.digest_time(notification.created_at, zone, digest_hour)
        if now < release:
            return release
    return schedule.quiet_until(now, zone, *quiet)


async def claim(db: Database, settings: Settings, channel: DeliveryChannel) -> list[Due]:
    from ..actions.notifications import preferences_of

    now = utcnow()
    zone = ZoneInfo(settings.time_zone)
    async with db.transaction() as tx:
        rows = (
            await tx.session.exec(
                select(NotificationDelivery, Notification, Person)
                .join(Notification, col(Notification.id) == NotificationDelivery.notification_id)
                .join(Person, col(Person.id) == Notification.person_id)
                .where(
                    NotificationDelivery.channel == channel.value,
                    NotificationDelivery.state == DeliveryState.PENDING.value,
                    col(NotificationDelivery.due_at) <= now,
                    or_(
                        col(NotificationDelivery.claimed_at).is_(None),
                        col(NotificationDelivery.claimed_at) < now - CLAIM_TIMEOUT,
                    ),
                )
                .order_by(col(NotificationDelivery.id))
                .limit(BATCH)
                .with_for_update(skip_locked=True, of=NotificationDelivery)
            )
        ).all()
        prefs = await preferences_of(tx, [n.person_id for _d, n, _p in rows])
        due: list[Due] = []
        for delivery, notification, person in rows:
            assert delivery.id is not None
            pref = prefs[person.id or 0]
            if (
                person.disabled_at is not None
                or now - notification.created_at > schedule.GIVE_UP_AFTER
            ):
                delivery.state = DeliveryState.FAILED.value
                delivery.error = delivery.error or "expired"
            elif hold := _hold(
                now,
                zone,
                delivery,
                notification,
                (pref.quiet_start, pref.quiet_end),
                pref.digest_hour,
            ):
                delivery.due_at = hold
            else:
                delivery.claimed_at = now
                delivery.attempts += 1
                due.append(Due(delivery.id, delivery.digest, notification, person))
            tx.session.add(delivery)
        return due


async def record(
    db: Database, errors: dict[int, str], sent: list[int], gone: list[int] | None = None
) -> None:
    """Mark what was sent, and pause what failed (``gone``: failed for good)."""
    async with db.transaction() as tx:
        now = utcnow()
        for delivery_id in sent:
            row = await _row(tx, delivery_id)
            row.state, row.sent_at, row.error, row.claimed_at = (
                DeliveryState.SENT.value,
                now,
                "",
                None,
            )
            tx.session.add(row)
        for delivery_id, error in errors.items():
            row = await _row(tx, delivery_id)
            row.error, row.claimed_at = error[:255], None
            if delivery_id in (gone or []):
                row.state = DeliveryState.FAILED.value
            else:
                row.due_at = now + schedule.retry_pause(row.attempts)
            tx.session.add(row)


async def _row(tx: Tx, delivery_id: int) -> NotificationDelivery:
    row = await tx.session.get(NotificationDelivery, delivery_id)
    assert row is not None
    return row

"""E-mail for notifications, when an SMTP server is configured.

The notification table is the outbox: a notification is created in the transaction of the
change it reports, and the sweeper mails the pending ones afterwards (smtplib in a thread,
so the event loop never waits on the network). A message that cannot be sent is tried
again on later sweeps, a few times, and its error is kept.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage

from sqlmodel import col, or_, select

from .db import Database
from .i18n import LOCALES, gettext_for
from .models import Notification, Person, utcnow
from .settings import Settings

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
# Older notifications are not mailed: turning SMTP on must not flood people with the past.
MAIL_WITHIN = timedelta(days=1)
BATCH = 50
# A claimed message not marked sent by then (its sender died) is tried again.
RETRY_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class Outgoing:
    notification_id: int
    message: EmailMessage


def compose(settings: Settings, notification: Notification, person: Person) -> EmailMessage:
    _ = gettext_for(person.locale if person.locale in LOCALES else settings.default_locale)
    text = _(notification.message, **notification.params)
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = person.email or ""
    message["Subject"] = _("e-Cabinet: %(text)s", text=text[:120])
    link = settings.origin + notification.link if notification.link else settings.origin
    message.set_content(f"{text}\n\n{link}\n")
    return message


def send_all(settings: Settings, outgoing: list[Outgoing]) -> dict[int, str]:
    """Send over one connection; returns the error of each message that failed."""
    errors: dict[int, str] = {}
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        for item in outgoing:
            try:
                smtp.send_message(item.message)
            except smtplib.SMTPException as exc:
                errors[item.notification_id] = str(exc)[:255]
    return errors


async def deliver_pending(db: Database, settings: Settings) -> int:
    """Mail the notifications still waiting; returns how many went out.

    Rows are claimed in one short transaction and marked in another, so no database lock
    is held while the SMTP server answers (on SQLite that lock would stop every writer).
    """
    if not settings.smtp_host:
        return 0
    outgoing = await _claim(db, settings)
    if not outgoing:
        return 0
    try:
        errors = await asyncio.to_thread(send_all, settings, outgoing)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("SMTP server %s unreachable: %s", settings.smtp_host, exc)
        errors = {item.notification_id: str(exc)[:255] for item in outgoing}
    async with db.transaction() as tx:
        now = utcnow()
        for item in outgoing:
            row = await tx.session.get(Notification, item.notification_id)
            assert row is not None
            if item.notification_id in errors:
                row.mail_error = errors[item.notification_id]
            else:
                row.mailed_at, row.mail_error = now, ""
            tx.session.add(row)
    return len(outgoing) - len(errors)


async def _claim(db: Database, settings: Settings) -> list[Outgoing]:
    now = utcnow()
    async with db.transaction() as tx:
        rows = (await tx.session.exec(select(Notification, Person).join(
            Person, col(Person.id) == Notification.person_id).where(
            col(Notification.mailed_at).is_(None),
            col(Notification.mail_attempts) < MAX_ATTEMPTS,
            col(Notification.created_at) > now - MAIL_WITHIN,
            or_(col(Notification.mail_tried_at).is_(None),
                col(Notification.mail_tried_at) < now - RETRY_AFTER),
            col(Person.email).is_not(None), col(Person.disabled_at).is_(None),
        ).order_by(col(Notification.id)).limit(BATCH).with_for_update(
            skip_locked=True, of=Notification))).all()
        for notification, _person in rows:
            notification.mail_tried_at = now
            notification.mail_attempts += 1
            tx.session.add(notification)
        return [Outgoing(n.id, compose(settings, n, p)) for n, p in rows if n.id is not None]

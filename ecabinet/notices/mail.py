"""E-mail through the configured SMTP server (smtplib in a thread, so the event loop never
waits on the network): one message per notification, or one daily digest per person."""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

from ..db import Database
from ..i18n import LOCALES, gettext_for
from ..models import Notification, Person
from ..settings import Settings
from ..vocab import DeliveryChannel
from . import outbox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outgoing:
    delivery_ids: tuple[int, ...]
    message: EmailMessage


def _text(settings: Settings, notification: Notification, person: Person) -> str:
    _ = gettext_for(person.locale if person.locale in LOCALES else settings.default_locale)
    text = _(notification.message, **notification.params)
    link = settings.origin + notification.link if notification.link else settings.origin
    return f"{text}\n{link}\n"


def _envelope(settings: Settings, person: Person, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = person.email or ""
    message["Subject"] = subject
    message.set_content(body)
    return message


def compose(settings: Settings, notification: Notification, person: Person) -> EmailMessage:
    _ = gettext_for(person.locale if person.locale in LOCALES else settings.default_locale)
    text = _(notification.message, **notification.params)
    return _envelope(
        settings,
        person,
        _("e-Cabinet: %(text)s", text=text[:120]),
        _text(settings, notification, person),
    )


def compose_digest(settings: Settings, person: Person, notices: list[Notification]) -> EmailMessage:
    _ = gettext_for(person.locale if person.locale in LOCALES else settings.default_locale)
    body = "\n".join(_text(settings, n, person) for n in notices)
    return _envelope(
        settings, person, _("e-Cabinet: %(count)s notifications today", count=len(notices)), body
    )


def batch(settings: Settings, due: list[outbox.Due]) -> list[Outgoing]:
    """One message per ordinary delivery; the digest ones of a person become one."""
    outgoing = [
        Outgoing((d.delivery_id,), compose(settings, d.notification, d.person))
        for d in due
        if not d.digest
    ]
    digests: dict[int, list[outbox.Due]] = {}
    for item in due:
        if item.digest:
            digests.setdefault(item.person.id or 0, []).append(item)
    for items in digests.values():
        outgoing.append(
            Outgoing(
                tuple(d.delivery_id for d in items),
                compose_digest(settings, items[0].person, [d.notification for d in items]),
            )
        )
    return outgoing


def send_all(settings: Settings, outgoing: list[Outgoing]) -> dict[int, str]:
    """Send over one connection; returns the error of each delivery that failed."""
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
                errors.update(dict.fromkeys(item.delivery_ids, str(exc)))
    return errors


async def deliver_pending(db: Database, settings: Settings) -> int:
    """Mail the deliveries that are due; returns how many notifications went out."""
    if not settings.smtp_host:
        return 0
    due = await outbox.claim(db, settings, DeliveryChannel.EMAIL)
    if not due:
        return 0
    outgoing = batch(settings, due)
    try:
        errors = await asyncio.to_thread(send_all, settings, outgoing)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("SMTP server %s unreachable: %s", settings.smtp_host, exc)
        errors = {d.delivery_id: str(exc) or type(exc).__name__ for d in due}
    sent = [d.delivery_id for d in due if d.delivery_id not in errors]
    await outbox.record(db, errors, sent)
    return len(sent)

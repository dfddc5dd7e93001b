"""Web Push to tablets and browsers: VAPID (RFC 8292) and aes128gcm payload encryption
(RFC 8291) through pywebpush; the service worker (static/sw.js) shows the message.

The VAPID key pair is generated on first start and kept in ``data_dir/vapid_private.pem``
(mode 600), like the session secret: subscriptions are bound to its public key, so it must
survive restarts and be the same for every server process.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid
from pywebpush import WebPushException, webpush
from sqlmodel import col, select

from ..db import Database
from ..i18n import LOCALES, gettext_for
from ..models import PushSubscription, utcnow
from ..settings import Settings
from ..vocab import DeliveryChannel
from . import outbox

log = logging.getLogger(__name__)
KEY_FILE = "vapid_private.pem"
# How long a push service keeps a message for a tablet that is off (seconds).
TTL = 24 * 3600
TIMEOUT = 20


def key_path(settings: Settings) -> Path:
    return settings.data_dir / KEY_FILE


def ensure_vapid_key(settings: Settings) -> Path:
    """Create the VAPID private key once (O_EXCL: two processes starting together cannot
    write different keys) and return its path."""
    path = key_path(settings)
    if path.exists():
        return path
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return path


def public_key(settings: Settings) -> str:
    """The applicationServerKey browsers subscribe with: the uncompressed P-256 point,
    base64url without padding."""
    key = serialization.load_pem_private_key(ensure_vapid_key(settings).read_bytes(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    raw = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def subject(settings: Settings) -> str:
    return settings.vapid_subject or f"mailto:{settings.smtp_from}"


@dataclass(frozen=True)
class Target:
    subscription_id: int
    info: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    gone: bool
    error: str


def send_one(settings: Settings, vapid: Vapid, target: Target, payload: str) -> Outcome:
    try:
        webpush(
            target.info,
            payload,
            vapid_private_key=vapid,
            vapid_claims={"sub": subject(settings)},
            content_encoding="aes128gcm",
            ttl=TTL,
            timeout=TIMEOUT,
        )
    except WebPushException as exc:
        status = exc.response.status_code if exc.response is not None else 0
        return Outcome(False, status in (404, 410), f"push service answered {status}")
    except OSError as exc:  # requests' connection errors are OSErrors
        return Outcome(False, False, str(exc)[:255] or type(exc).__name__)
    return Outcome(True, False, "")


def payload_of(settings: Settings, due: outbox.Due) -> str:
    person, notice = due.person, due.notification
    _ = gettext_for(person.locale if person.locale in LOCALES else settings.default_locale)
    return json.dumps(
        {
            "title": "e-Cabinet",
            "body": _(notice.message, **notice.params),
            "url": notice.link or "/notifications",
            "tag": notice.kind,
            "id": notice.id,
        },
        ensure_ascii=False,
    )


def _send_batch(
    settings: Settings, work: list[tuple[outbox.Due, list[Target]]]
) -> tuple[list[int], dict[int, str], list[int]]:
    vapid = Vapid.from_file(str(ensure_vapid_key(settings)))
    sent: list[int] = []
    errors: dict[int, str] = {}
    gone_subscriptions: list[int] = []
    for due, targets in work:
        payload = payload_of(settings, due)
        outcomes = [(t, send_one(settings, vapid, t, payload)) for t in targets]
        gone_subscriptions += [t.subscription_id for t, o in outcomes if o.gone]
        if any(o.delivered for _t, o in outcomes):
            sent.append(due.delivery_id)
        else:
            errors[due.delivery_id] = next(
                (o.error for _t, o in outcomes if o.error), "no push subscription"
            )
    return sent, errors, gone_subscriptions


async def deliver_pending(db: Database, settings: Settings) -> int:
    """Push the deliveries that are due to every live subscription of their person."""
    due = await outbox.claim(db, settings, DeliveryChannel.PUSH)
    if not due:
        return 0
    async with db.read() as session:
        rows = (
            await session.exec(
                select(PushSubscription).where(
                    col(PushSubscription.person_id).in_({d.person.id for d in due}),
                    col(PushSubscription.gone_at).is_(None),
                )
            )
        ).all()
    by_person: dict[int, list[Target]] = {}
    for row in rows:
        assert row.id is not None
        by_person.setdefault(row.person_id, []).append(
            Target(
                row.id, {"endpoint": row.endpoint, "keys": {"p256dh": row.p256dh, "auth": row.auth}}
            )
        )
    work = [(d, by_person.get(d.person.id or 0, [])) for d in due]
    sent, errors, gone = await asyncio.to_thread(_send_batch, settings, work)
    # A person with no subscription left will not get this one: failed, not retried.
    dead = [
        d.delivery_id
        for d, targets in work
        if not targets or all(t.subscription_id in gone for t in targets)
    ]
    await outbox.record(db, errors, sent, gone=dead)
    if gone:
        async with db.transaction() as tx:
            for subscription_id in gone:
                subscription = await tx.session.get(PushSubscription, subscription_id)
                if subscription is not None:
                    subscription.gone_at = utcnow()
                    tx.session.add(subscription)
    return len(sent)

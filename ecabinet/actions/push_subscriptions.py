"""A person's Web Push subscriptions: a browser (a tablet's service worker) subscribes with
the server's VAPID key and hands its endpoint and keys here; it can unsubscribe again."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlsplit

from sqlmodel import select

from .. import audit
from ..auth.actor import Actor
from ..auth.permissions import ensure_signed_in
from ..db import Tx
from ..errors import NotFound, ValidationFailed
from ..models import PushSubscription


def _key(raw: object, name: str, size: int) -> str:
    """A base64url key of the expected length (65-byte P-256 point, 16-byte secret)."""
    if not isinstance(raw, str) or len(raw) > 200:
        raise ValidationFailed("The subscription lacks its %(field)s key.", field=name)
    try:
        decoded = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except (binascii.Error, ValueError):
        raise ValidationFailed(
            "The subscription's %(field)s key is not base64url.", field=name
        ) from None
    if len(decoded) != size:
        raise ValidationFailed("The subscription's %(field)s key has the wrong length.", field=name)
    return raw.rstrip("=")


def _endpoint(raw: object) -> str:
    if not isinstance(raw, str) or len(raw) > 1000:
        raise ValidationFailed("The subscription lacks its endpoint.")
    parts = urlsplit(raw)
    # Push services are https; plain http only on this machine (a local push relay).
    local = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if not parts.hostname or not (parts.scheme == "https" or (parts.scheme == "http" and local)):
        raise ValidationFailed("The subscription's endpoint must be an https URL.")
    return raw


async def subscribe(
    tx: Tx, actor: Actor, endpoint: object, p256dh: object, auth: object, user_agent: str = ""
) -> PushSubscription:
    """Keep a subscription for the actor (the same endpoint again updates its keys)."""
    ensure_signed_in(actor)
    assert actor.person_id is not None
    url = _endpoint(endpoint)
    row = (
        await tx.session.exec(select(PushSubscription).where(PushSubscription.endpoint == url))
    ).first()
    if row is None:
        row = PushSubscription(person_id=actor.person_id, endpoint=url, p256dh="", auth="")
    # A browser's endpoint belongs to whoever signed in on it last.
    row.person_id = actor.person_id
    row.p256dh, row.auth = _key(p256dh, "p256dh", 65), _key(auth, "auth", 16)
    row.user_agent, row.gone_at = user_agent[:255], None
    tx.session.add(row)
    await tx.session.flush()
    await audit.record(
        tx.session,
        "push.subscribed",
        actor_id=actor.person_id,
        subject=f"person:{actor.person_id}",
        subscription=row.id,
    )
    return row


async def unsubscribe(tx: Tx, actor: Actor, endpoint: str) -> None:
    ensure_signed_in(actor)
    row = (
        await tx.session.exec(
            select(PushSubscription).where(
                PushSubscription.endpoint == endpoint, PushSubscription.person_id == actor.person_id
            )
        )
    ).first()
    if row is None:
        raise NotFound("This browser has no push subscription here.")
    await tx.session.delete(row)
    await audit.record(
        tx.session,
        "push.unsubscribed",
        actor_id=actor.person_id,
        subject=f"person:{actor.person_id}",
        subscription=row.id,
    )

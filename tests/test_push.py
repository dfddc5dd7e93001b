"""Web Push: a subscriber with real keys receives a VAPID-signed, aes128gcm-encrypted push
from the server at a local push endpoint, and decrypts it."""

from __future__ import annotations

import json
import stat

import httpx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from sqlmodel import select

from ecabinet.actions import notifications
from ecabinet.db import Database
from ecabinet.models import NotificationDelivery, PushSubscription, utcnow
from ecabinet.notices import push
from ecabinet.settings import Settings
from ecabinet.sweeper import sweep_once
from ecabinet.vocab import NoticeKind

from .support.deliberation import execute
from .support.factories import authenticator, enroll, seat_people
from .support.push import push_endpoint, unb64url


def check_vapid(authorization: str, public_key: str, endpoint: str) -> None:
    """The Authorization header is "vapid t=<JWT>, k=<key>": the JWT is signed (ES256) by
    the server's key, for the push service's origin."""
    scheme, _, rest = authorization.partition(" ")
    assert scheme == "vapid"
    parts = dict(p.strip().split("=", 1) for p in rest.split(","))
    assert parts["k"] == public_key
    header, claims, signature = parts["t"].split(".")
    raw = unb64url(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(public_key))
    key.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    assert json.loads(unb64url(claims))["aud"] == endpoint.rsplit("/push", 1)[0]


async def test_a_subscribed_tablet_receives_and_decrypts_the_push(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    await enroll(client, seats["member"].token, authenticator(settings))
    public_key = (await client.get("/api/push/key")).json()["publicKey"]
    assert len(unb64url(public_key)) == 65  # an uncompressed P-256 point
    mode = stat.S_IMODE(push.key_path(settings).stat().st_mode)
    assert mode == 0o600
    with push_endpoint() as tablet:
        subscribed = await client.post("/api/me/push-subscriptions", json=tablet.subscription())
        assert subscribed.status_code == 201, subscribed.text
        async with db.transaction() as tx:
            await notifications.notify(
                tx,
                [seats["member"].person_id],
                kind=NoticeKind.POLL_SENT,
                message='A written poll awaits your answer by %(deadline)s: "%(title)s".',
                link="/polls/7",
                deadline="2026-12-01 17:00 UTC",
                title="Thuế giá trị gia tăng",
            )
        done = await sweep_once(db, settings)
        assert done.pushed == 1
        assert len(tablet.received) == 1
        check_vapid(tablet.received[0].headers["authorization"], public_key, tablet.endpoint)
        payload = json.loads(tablet.decrypt(0))
    assert payload["url"] == "/polls/7"
    assert "Thuế giá trị gia tăng" in payload["body"]
    assert payload["body"].startswith("Phiếu lấy ý kiến")  # the member reads Vietnamese


async def test_a_push_service_that_is_down_is_retried_and_a_gone_subscription_dropped(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    await enroll(client, seats["member"].token, authenticator(settings))
    with push_endpoint() as tablet:
        tablet.status = 503
        assert (
            await client.post("/api/me/push-subscriptions", json=tablet.subscription())
        ).status_code == 201
        async with db.transaction() as tx:
            await notifications.notify(
                tx, [seats["member"].person_id], kind=NoticeKind.MINUTES_SIGNED, message="Signed"
            )
        assert (await sweep_once(db, settings)).pushed == 0
        async with db.read() as session:
            row = (
                await session.exec(
                    select(NotificationDelivery).where(NotificationDelivery.channel == "push")
                )
            ).one()
        assert (row.state, row.attempts, row.error) == ("pending", 1, "push service answered 503")
        tablet.status = 410  # the browser unsubscribed: the service forgets the endpoint
        await execute(db, "UPDATE notification_delivery SET due_at = :at", at=utcnow())
        assert (await sweep_once(db, settings)).pushed == 0
    async with db.read() as session:
        row = (
            await session.exec(
                select(NotificationDelivery).where(NotificationDelivery.channel == "push")
            )
        ).one()
        subscription = (await session.exec(select(PushSubscription))).one()
    assert row.state == "failed" and subscription.gone_at is not None


async def test_a_subscription_needs_real_keys(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    await enroll(client, seats["member"].token, authenticator(settings))
    client.cookies.set("ecab_lang", "en")
    bad = await client.post(
        "/api/me/push-subscriptions",
        json={"endpoint": "https://push.example/abc", "keys": {"p256dh": "AAAA", "auth": "AAAA"}},
    )
    assert bad.status_code == 422
    assert bad.json()["detail"] == "The subscription's p256dh key has the wrong length."
    plain = await client.post(
        "/api/me/push-subscriptions",
        json={"endpoint": "http://push.example/abc", "keys": {"p256dh": "AAAA", "auth": "AAAA"}},
    )
    assert plain.json()["detail"] == "The subscription's endpoint must be an https URL."

"""Enrollment, sign-in and every refusal, through the JSON API with a software authenticator
that makes real keys and real signatures."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import text, update
from sqlmodel import col, select

from ecabinet.app import create_app
from ecabinet.auth.actor_cache import cache_for
from ecabinet.db import Database
from ecabinet.models import AuditEvent, Enrollment, PasskeyCredential, utcnow
from ecabinet.settings import Settings
from ecabinet.softauthn import SoftAuthenticator

from .support.database import ORIGIN
from .support.factories import authenticator, csrf_header, enroll, seat_people, sign_in


async def _kinds(db: Database) -> list[str]:
    async with db.read() as session:
        return [
            e.kind
            for e in (await session.exec(select(AuditEvent).order_by(col(AuditEvent.seq)))).all()
        ]


@pytest.mark.parametrize("alg", ["ES256", "Ed25519", "RS256"])
async def test_enroll_then_sign_in(
    client: httpx.AsyncClient, db: Database, settings: Settings, alg: str
) -> None:
    seats = await seat_people(db, settings)
    device = authenticator(settings, alg)
    enrolled = await enroll(client, seats["member"].token, device, "iPad của Bộ trưởng")
    assert enrolled.status_code == 201, enrolled.text
    assert enrolled.json()["passkey"]["deviceName"] == "iPad của Bộ trưởng"
    me = await client.get("/api/me")
    assert me.status_code == 200
    assert me.json()["person"]["fullName"] == "Người member"
    assert me.json()["bodies"][0]["role"] == "member"

    client.cookies.clear()
    assert (await client.get("/api/me")).status_code == 401
    signed = await sign_in(client, device)
    assert signed.status_code == 200, signed.text
    assert (await client.get("/api/me")).json()["person"]["id"] == seats["member"].person_id
    async with db.read() as session:
        row = (await session.exec(select(PasskeyCredential))).one()
    assert row.public_key_spki_pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert row.sign_count == 1  # registration counted 0, the sign-in 1
    assert {"passkey.registered", "session.started"} <= set(await _kinds(db))


async def test_sign_out_ends_the_session_on_the_server(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    device = authenticator(settings)
    await enroll(client, seats["member"].token, device)
    cookie = client.cookies.get("ecab_session")
    response = await client.delete("/api/session", headers=await csrf_header(client))
    assert response.status_code == 204
    client.cookies.set("ecab_session", cookie or "")
    assert (await client.get("/api/me")).status_code == 401
    assert "session.ended" in await _kinds(db)


async def test_sign_out_without_csrf_header_is_refused(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    await enroll(client, seats["member"].token, authenticator(settings))
    response = await client.delete("/api/session")
    assert response.status_code == 403
    assert (await client.get("/api/me")).status_code == 200


async def test_a_replayed_assertion_is_refused_and_audited(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    device = authenticator(settings)
    await enroll(client, seats["member"].token, device)
    assert (await sign_in(client, device)).status_code == 200
    replayed = device.replay_last_assertion()
    response = await client.post("/api/session", json={"credential": replayed})
    assert response.status_code == 403
    assert (
        "already used" in response.json()["detail"] or "đã được dùng" in response.json()["detail"]
    )
    assert (await _kinds(db))[-1] == "refused.challenge"


async def test_user_verification_off_is_refused(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    device = authenticator(settings)
    await enroll(client, seats["member"].token, device)
    client.cookies.clear()
    response = await sign_in(client, device, user_verified=False)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "vân tay" in response.json()["detail"]
    assert (await _kinds(db))[-1] == "refused.user-not-verified"
    assert (await client.get("/api/me")).status_code == 401


async def test_enrollment_without_user_verification_is_refused(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    device = SoftAuthenticator(origin=settings.origin, rp_id=settings.rp_id, user_verified=False)
    response = await enroll(client, seats["member"].token, device)
    assert response.status_code == 403
    assert (await _kinds(db))[-1] == "refused.user-not-verified"


async def test_wrong_origin_is_refused(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    device = authenticator(settings)
    await enroll(client, seats["member"].token, device)
    client.cookies.clear()
    response = await sign_in(client, device, origin="http://localhost:9999")
    assert response.status_code == 403
    # The strict client-data check (shared with the offline verifier) names it first.
    assert (await _kinds(db))[-1] == "refused.client-data"
    assert "origin mismatch" in response.json()["detail"]


async def test_unknown_credential_is_refused(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    await enroll(client, seats["member"].token, authenticator(settings))
    stranger = authenticator(settings)
    other = SoftAuthenticator(origin=settings.origin, rp_id=settings.rp_id)
    options = {
        "challenge": "AAAA",
        "rp": {"id": settings.rp_id, "name": "x"},
        "user": {"id": "dXNlcg", "name": "u", "displayName": "u"},
        "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
    }
    other.register(options)
    client.cookies.clear()
    response = await sign_in(client, other)
    assert response.status_code == 403
    assert (await _kinds(db))[-1] == "refused.credential"
    del stranger


async def test_revoked_credential_is_refused(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    device = authenticator(settings)
    await enroll(client, seats["member"].token, device)
    me = (await client.get("/api/me")).json()
    passkey_id = me["passkeys"][0]["id"]
    revoked = await client.delete(
        f"/api/me/passkeys/{passkey_id}", headers=await csrf_header(client)
    )
    assert revoked.status_code == 200 and revoked.json()["revokedAt"]
    # The session opened with that passkey ended with it.
    assert (await client.get("/api/me")).status_code == 401
    response = await sign_in(client, device)
    assert response.status_code == 403
    assert "thu hồi" in response.json()["detail"]
    assert (await _kinds(db))[-1] == "refused.credential"


async def test_sign_count_going_backwards_flags_a_clone(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    device = authenticator(settings)
    await enroll(client, seats["member"].token, device)
    assert (await sign_in(client, device)).status_code == 200
    assert (await sign_in(client, device)).status_code == 200
    response = await sign_in(client, device, sign_count=1)
    assert response.status_code == 403
    async with db.read() as session:
        row = (await session.exec(select(PasskeyCredential))).one()
    assert row.suspected_clone
    assert (await _kinds(db))[-1] == "refused.credential"
    # Blocked from then on, even with a proper count.
    assert (await sign_in(client, device)).status_code == 403


async def test_synced_passkeys_reporting_zero_are_accepted(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    device = authenticator(settings)
    await enroll(client, seats["member"].token, device)
    async with db.engine.begin() as connection:
        await connection.execute(text("UPDATE passkey_credential SET sign_count = 0"))
    for _ in range(2):
        assert (await sign_in(client, device, sign_count=0)).status_code == 200


async def test_expired_challenge_is_refused(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    device = authenticator(settings)
    await enroll(client, seats["member"].token, device)
    options = (await client.post("/api/session/options", json={})).json()
    async with db.engine.begin() as connection:
        await connection.execute(
            text("UPDATE webauthn_challenge SET expires_at = :t"),
            {"t": utcnow() - timedelta(seconds=1)},
        )
    response = await client.post("/api/session", json={"credential": device.assert_(options)})
    assert response.status_code == 403
    assert "hết hạn" in response.json()["detail"]


async def test_a_challenge_we_never_issued_is_refused(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    device = authenticator(settings)
    await enroll(client, seats["member"].token, device)
    forged = device.assert_challenge(b"x" * 32)
    response = await client.post("/api/session", json={"credential": forged})
    assert response.status_code == 403
    assert (await _kinds(db))[-1] == "refused.challenge"


async def test_reused_and_expired_enrollment_links_are_refused(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    assert (await enroll(client, seats["member"].token, authenticator(settings))).status_code == 201
    again = await client.post(f"/api/enrollments/{seats['member'].token}/options", json={})
    assert again.status_code == 403
    assert "đã được sử dụng" in again.json()["detail"]
    async with db.engine.begin() as connection:
        await connection.execute(
            update(Enrollment).values(expires_at=utcnow() - timedelta(minutes=1))
        )
    late = await client.post(f"/api/enrollments/{seats['chair'].token}/options", json={})
    assert late.status_code == 403
    assert "hết hạn" in late.json()["detail"]
    unknown = await client.post("/api/enrollments/not-a-token/options", json={})
    assert unknown.status_code == 403
    kinds = await _kinds(db)
    assert kinds.count("refused.enrollment") == 3


async def test_aaguid_allow_list_refuses_unmanaged_devices(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    async with db.engine.begin() as connection:
        await connection.execute(
            text("UPDATE body SET aaguid_allowlist = '[\"adce0002-35bc-c60a-648b-0b25f1f05503\"]'")
        )
    response = await enroll(client, seats["member"].token, authenticator(settings))
    assert response.status_code == 403
    assert "máy tính bảng" in response.json()["detail"]
    managed = SoftAuthenticator(
        origin=settings.origin,
        rp_id=settings.rp_id,
        aaguid=bytes.fromhex("adce000235bcc60a648b0b25f1f05503"),
    )
    assert (await enroll(client, seats["member"].token, managed)).status_code == 201


async def test_sign_in_attempts_are_rate_limited(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    for _ in range(settings.signin_attempts_per_minute):
        assert (await client.post("/api/session/options", json={})).status_code == 200
    response = await client.post("/api/session/options", json={})
    assert response.status_code == 429
    assert (await _kinds(db))[-1] == "refused.rate-limited"


async def test_second_device_needs_a_fresh_check_and_then_signs_in(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    tablet = authenticator(settings)
    await enroll(client, seats["chair"].token, tablet)
    phone = authenticator(settings, "Ed25519")
    options = await client.post("/api/me/passkeys/options", json={})
    assert options.status_code == 200  # the enrollment itself was a fresh passkey check
    added = await client.post(
        "/api/me/passkeys",
        json={"credential": phone.register(options.json()), "deviceName": "Điện thoại"},
    )
    assert added.status_code == 201, added.text
    async with db.engine.begin() as connection:
        await connection.execute(text("UPDATE login_session SET fresh_until = NULL"))
    # Written by hand behind the server's back, so its cached sign-in is dropped by hand.
    cache_for(db, settings).clear()
    stale = await client.post("/api/me/passkeys/options", json={})
    assert stale.status_code == 403
    assert stale.json()["type"] == "urn:ecabinet:problem:fresh-auth-required"
    fresh = (await client.post("/api/session/fresh/options", json={})).json()
    assert (
        await client.post("/api/session/fresh", json={"credential": tablet.assert_(fresh)})
    ).status_code == 200
    assert (await client.post("/api/me/passkeys/options", json={})).status_code == 200
    client.cookies.clear()
    assert (await sign_in(client, phone)).status_code == 200
    me = (await client.get("/api/me")).json()
    assert sorted(p["deviceName"] for p in me["passkeys"]) == ["Máy tính bảng", "Điện thoại"]


async def test_secretariat_revokes_a_lost_device_but_alone_cannot_issue_a_new_link(
    client: httpx.AsyncClient, db: Database, settings: Settings, app: object
) -> None:
    seats = await seat_people(db, settings)
    lost = authenticator(settings)
    await enroll(client, seats["member"].token, lost)
    member_id = seats["member"].person_id
    client.cookies.clear()
    await enroll(client, seats["secretariat"].token, authenticator(settings))
    headers = await csrf_header(client)
    listed = await client.get(f"/api/people/{member_id}/passkeys")
    passkey_id = listed.json()["passkeys"][0]["id"]
    revoked = await client.delete(f"/api/people/{member_id}/passkeys/{passkey_id}", headers=headers)
    assert revoked.status_code == 200
    # A revoked device still counts: the next device is a recovery, never one person's act.
    issued = await client.post(f"/api/people/{member_id}/enrollments", json={})
    assert issued.status_code == 403
    assert issued.json()["type"] == "urn:ecabinet:problem:recovery-required"
    assert (await _kinds(db))[-1] == "refused.recovery-required"
    client.cookies.clear()
    assert (await sign_in(client, lost)).status_code == 403


async def test_a_member_cannot_manage_other_people(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    await enroll(client, seats["member"].token, authenticator(settings))
    response = await client.post(f"/api/people/{seats['chair'].person_id}/enrollments", json={})
    assert response.status_code == 403
    assert (await _kinds(db))[-1] == "refused.forbidden"


async def test_malformed_credentials_get_a_clear_error(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/session", json={"credential": {"id": "x"}})
    assert response.status_code == 422
    assert response.json()["detail"] == "Trường credential.rawId là bắt buộc."
    bad_json = await client.post(
        "/api/session", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert bad_json.status_code == 400


async def test_a_revoked_device_signs_out_at_once_in_every_server_process(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    """Another process (its own app and connection pool on the same database) that has
    just served the member stops at the very next request once the device is revoked:
    no process keeps a signed-in session from before."""
    seats = await seat_people(db, settings)
    lost = authenticator(settings)
    await enroll(client, seats["member"].token, lost)
    client.cookies.clear()
    assert (await sign_in(client, lost)).status_code == 200
    cookie = client.cookies["ecab_session"]
    client.cookies.clear()
    other = Database(settings.database_url)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(settings, db=other)), base_url=ORIGIN
        ) as elsewhere:
            elsewhere.cookies.set("ecab_session", cookie)
            assert (await elsewhere.get("/api/me")).status_code == 200
            await enroll(client, seats["secretariat"].token, authenticator(settings))
            listed = await client.get(f"/api/people/{seats['member'].person_id}/passkeys")
            passkey_id = listed.json()["passkeys"][0]["id"]
            revoked = await client.delete(
                f"/api/people/{seats['member'].person_id}/passkeys/{passkey_id}",
                headers=await csrf_header(client),
            )
            assert revoked.status_code == 200
            assert (await elsewhere.get("/api/me")).status_code == 401
    finally:
        await other.dispose()

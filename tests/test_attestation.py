"""Authenticator attestation per body. With the policy `attested` a new passkey must come
with a maker's certificate chain to a root the body trusts, for a listed model; a software
key that merely claims a listed AAGUID is refused at registration, precisely and audited."""

from __future__ import annotations

import argparse
import uuid
from pathlib import Path

import cbor2
import httpx
import pytest
from sqlmodel import col, select

from ecabinet.actions.key_register import register_of
from ecabinet.auth.attestation_commands import cmd_policy, cmd_trust
from ecabinet.cli import build_parser
from ecabinet.db import Database
from ecabinet.minutes.attestation_check import attestation_problem
from ecabinet.models import AuditEvent, Body, PasskeyCredential
from ecabinet.settings import Settings
from ecabinet.softauthn import SoftAuthenticator, Vendor, make_vendor

from .support.factories import enroll, seat_people

TABLET = bytes.fromhex("adce000235bcc60a648b0b25f1f05503")
OTHER_TABLET = bytes.fromhex("0bb5c7a1d2e34f56a7b8c9d0e1f20304")


def aaguid(raw: bytes) -> str:
    return str(uuid.UUID(bytes=raw))


@pytest.fixture(scope="module")
def vendor() -> Vendor:
    return make_vendor("Công ty Thiết bị Thử nghiệm", TABLET)


async def trust(settings: Settings, root_pem: bytes, tmp_path: Path) -> None:
    path = tmp_path / f"root-{uuid.uuid4().hex[:6]}.pem"
    path.write_bytes(root_pem)
    assert await cmd_trust(argparse.Namespace(body="chinh-phu", file=str(path)), settings) == 0


async def set_policy(settings: Settings, policy: str, *allow: bytes) -> None:
    args = argparse.Namespace(body="chinh-phu", policy=policy, allow=[aaguid(a) for a in allow])
    assert await cmd_policy(args, settings) == 0


def device(settings: Settings, claimed: bytes, attestation: object) -> SoftAuthenticator:
    return SoftAuthenticator(
        origin=settings.origin,
        rp_id=settings.rp_id,
        aaguid=claimed,
        attestation=attestation,  # type: ignore[arg-type]
    )


async def last_event(db: Database) -> AuditEvent:
    async with db.read() as read:
        event = (await read.exec(select(AuditEvent).order_by(col(AuditEvent.seq).desc()))).first()
    assert event is not None
    return event


async def test_attested_policy_refuses_devices_that_only_claim_a_listed_model(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    vendor: Vendor,
    tmp_path: Path,
) -> None:
    seats = await seat_people(db, settings)
    await trust(settings, vendor.root_pem, tmp_path)
    await set_policy(settings, "attested", TABLET, OTHER_TABLET)
    token = seats["member"].token
    options = await client.post(f"/api/enrollments/{token}/options", json={})
    assert options.json()["attestation"] == "direct"

    impostor = make_vendor("Nhà sản xuất lạ", TABLET)  # same claim, a root nobody trusts
    liars = [
        (device(settings, TABLET, "none"), 'chứng thực "none"'),
        (device(settings, TABLET, "self"), 'chứng thực "packed"'),
        (device(settings, TABLET, impostor.attestation), "không dẫn tới chứng thư gốc"),
        (device(settings, OTHER_TABLET, vendor.attestation), aaguid(TABLET)),
    ]
    for liar, expected in liars:
        refused = await enroll(client, token, liar)
        assert refused.status_code == 403, refused.text
        assert expected in refused.json()["detail"], refused.json()["detail"]
        event = await last_event(db)
        assert event.kind == "refused.attestation"
        assert event.data["aaguid"] == aaguid(liar.aaguid)

    honest = device(settings, TABLET, vendor.attestation)
    enrolled = await enroll(client, token, honest)
    assert enrolled.status_code == 201, enrolled.text
    async with db.read() as read:
        row = (await read.exec(select(PasskeyCredential))).one()
    assert row.aaguid == aaguid(TABLET) and row.attestation_format == "packed"
    assert row.attestation_object is not None
    stored = cbor2.loads(row.attestation_object)
    assert stored["attStmt"]["x5c"] == list(vendor.attestation.chain)
    # The member key register lists that attestation, with the registration's client data
    # and the body's roots, and the offline verifier accepts it from there.
    async with db.transaction() as tx:
        body = (await tx.session.exec(select(Body).where(Body.slug == "chinh-phu"))).one()
        assert body.id is not None
        content = await register_of(tx, settings, body.id)
    (listed,) = [c for p in content["people"].values() for c in p["credentials"]]
    assert listed["attestation"]["clientDataJSON"]
    assert content["attestation"] == {
        "policy": "attested",
        "roots": [vendor.root_pem.decode().strip() + "\n"],
    }
    assert (
        attestation_problem(
            listed["attestation"],
            listed["fingerprint"],
            roots=content["attestation"]["roots"],
            policy="attested",
        )
        is None
    )


async def test_an_unlisted_model_from_a_trusted_maker_is_refused(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    tmp_path: Path,
) -> None:
    seats = await seat_people(db, settings)
    maker = make_vendor("Công ty Thiết bị Thử nghiệm", OTHER_TABLET)
    await trust(settings, maker.root_pem, tmp_path)
    await set_policy(settings, "attested", TABLET)
    refused = await enroll(
        client, seats["member"].token, device(settings, OTHER_TABLET, maker.attestation)
    )
    assert refused.status_code == 403
    assert "không có trong danh sách" in refused.json()["detail"], refused.text
    assert (await last_event(db)).kind == "refused.attestation"


async def test_attested_policy_without_a_trusted_root_refuses_every_device(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    vendor: Vendor,
) -> None:
    seats = await seat_people(db, settings)
    await set_policy(settings, "attested", TABLET)
    refused = await enroll(
        client, seats["member"].token, device(settings, TABLET, vendor.attestation)
    )
    assert refused.status_code == 403
    assert "ecabinet attestation trust" in refused.json()["detail"], refused.text


async def test_policy_any_asks_for_no_attestation_and_keeps_what_came(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    vendor: Vendor,
    tmp_path: Path,
) -> None:
    seats = await seat_people(db, settings)
    token = seats["member"].token
    options = await client.post(f"/api/enrollments/{token}/options", json={})
    assert options.json()["attestation"] == "none"
    assert (await enroll(client, token, device(settings, TABLET, "self"))).status_code == 201
    async with db.read() as read:
        row = (await read.exec(select(PasskeyCredential))).one()
        body = (await read.exec(select(Body))).one()
    assert row.attestation_format == "packed" and row.attestation_object
    assert body.attestation_policy == "any"
    await trust(settings, vendor.root_pem, tmp_path)
    await trust(settings, vendor.root_pem, tmp_path)  # the same root twice is kept once
    async with db.read() as read:
        kinds = [e.kind for e in (await read.exec(select(AuditEvent))).all()]
    assert kinds.count("attestation.root_trusted") == 1


def test_the_attestation_commands_parse() -> None:
    args = build_parser().parse_args(
        ["attestation", "policy", "chinh-phu", "attested", "--allow", aaguid(TABLET)]
    )
    assert (args.policy, args.allow) == ("attested", [aaguid(TABLET)])
    with pytest.raises(SystemExit):
        build_parser().parse_args(["attestation", "policy", "chinh-phu", "strict"])

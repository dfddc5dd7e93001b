"""Minutes signed with keys that never leave a PKCS#11 token: SoftHSM2, one token per
signer, set up by the test. The whole flow runs through the HTTP API; the result passes
`ecabinet minutes verify` and poppler's pdfsig. The chair's token PIN is not available to
the server until the chair's own step, and signing waits for it with a precise message."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

import anyio
import httpx
import pytest
from sqlmodel import select

from ecabinet.db import Database
from ecabinet.models import AuditEvent
from ecabinet.settings import Settings

from .support.live import audit_kinds
from .support.minutes import ClosedSession, build_closed_session
from .support.minutes_signing import pdfsig, person_client, sign_step
from .support.softhsm import MODULE, SoftHsm, provision

SECRETARY, CHAIR = "Nghiêm Thị Hồng Vân", "Trần Quốc Khải"


@pytest.fixture(scope="module")
def hsm(tmp_path_factory: pytest.TempPathFactory) -> SoftHsm:
    return provision(
        tmp_path_factory.mktemp("softhsm"), {"secretary": SECRETARY, "chair": CHAIR}, "Chính phủ"
    )


@pytest.fixture
def settings(settings: Settings, hsm: SoftHsm, tmp_path: Path) -> Settings:
    # Each test gets its own copy of the chair's PIN file, to take away.
    chair_pin = tmp_path / "chair.pin"
    chair_pin.write_bytes(hsm.tokens["chair"].pin_file.read_bytes())
    return replace(
        settings,
        minutes_trust_roots=str(hsm.ca_certificate),
        minutes_secretary_pkcs11_module=str(MODULE),
        minutes_secretary_pkcs11_token=hsm.tokens["secretary"].label,
        minutes_secretary_pkcs11_key=hsm.tokens["secretary"].key_label,
        minutes_secretary_pkcs11_pin_file=str(hsm.tokens["secretary"].pin_file),
        minutes_chair_pkcs11_module=str(MODULE),
        minutes_chair_pkcs11_token=hsm.tokens["chair"].label,
        minutes_chair_pkcs11_key=hsm.tokens["chair"].key_label,
        minutes_chair_pkcs11_pin_file=str(chair_pin),
    )


@pytest.fixture
async def session(db: Database, settings: Settings) -> ClosedSession:
    return await build_closed_session(db, settings)


async def approved(
    client: httpx.AsyncClient, session: ClosedSession
) -> tuple[httpx.AsyncClient, httpx.AsyncClient]:
    """The secretary and the chair, signed in, with the draft rendered and approved."""
    secretary = await person_client(client, session, session.secretary_person_id)
    chair = await person_client(client, session, session.chair_person_id)
    meeting = session.meeting_id
    drafted = await secretary.post(f"/api/meetings/{meeting}/minutes/draft", json={})
    assert drafted.status_code == 201, drafted.text
    options = (
        await chair.post(f"/api/meetings/{meeting}/minutes/approval/options", json={})
    ).json()
    done = await chair.post(
        f"/api/meetings/{meeting}/minutes/approval",
        json={"credential": session.devices[session.chair_person_id].assert_(options)},
    )
    assert done.status_code == 200, done.text
    return secretary, chair


async def test_minutes_signed_on_softhsm_tokens_verify_and_pdfsig_accepts_them(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    session: ClosedSession,
    hsm: SoftHsm,
    tmp_path: Path,
) -> None:
    secretary, chair = await approved(client, session)
    first = await sign_step(secretary, session, session.secretary_person_id, "secretary")
    assert first.status_code == 201, first.text
    second = await sign_step(chair, session, session.chair_person_id, "chair")
    assert second.status_code == 201, second.text
    pdf = await chair.get(f"/meetings/{session.meeting_id}/minutes.pdf")
    assert pdf.status_code == 200

    signatures = pdfsig(pdf.content, hsm.ca_certificate, tmp_path)
    assert signatures.count("Signature Validation: Signature is Valid.") == 2, signatures
    assert signatures.count("Certificate Validation: Certificate is Trusted.") == 2, signatures
    assert f"Signer Certificate Common Name: {SECRETARY}" in signatures
    assert f"Signer Certificate Common Name: {CHAIR}" in signatures

    signed, register = tmp_path / "minutes-signed.pdf", tmp_path / "key-register.pdf"
    signed.write_bytes(pdf.content)
    published = await chair.get(f"/bodies/{session.body_id}/key-register.pdf")
    assert published.status_code == 200, published.text
    register.write_bytes(published.content)  # signed on the secretary's token too
    verified = await anyio.run_process(
        [
            sys.executable,
            "-m",
            "ecabinet.cli",
            "minutes",
            "verify",
            str(signed),
            "--trust",
            str(hsm.ca_certificate),
            "--keys",
            str(register),
            "--lang",
            "en",
        ],
        check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("ECABINET_")},
    )
    assert verified.returncode == 0, verified.stdout.decode() + verified.stderr.decode()
    assert "RESULT: VERIFIED" in verified.stdout.decode()

    async with db.read() as read:
        keys = [
            e.data.get("key")
            for e in (
                await read.exec(select(AuditEvent).where(AuditEvent.kind == "minutes.signed"))
            ).all()
        ]
    assert keys == [
        "pkcs11:token=ecabinet-secretary;object=secretary",
        "pkcs11:token=ecabinet-chair;object=chair",
    ]
    for official in (secretary, chair):
        await official.aclose()


async def test_the_chair_signs_only_once_the_chairs_pin_is_supplied(
    client: httpx.AsyncClient,
    db: Database,
    settings: Settings,
    session: ClosedSession,
    hsm: SoftHsm,
) -> None:
    pin_file = anyio.Path(settings.minutes_chair_pkcs11_pin_file)
    pin = await pin_file.read_bytes()
    await pin_file.unlink()  # the server process holds the secretary's PIN only
    secretary, chair = await approved(client, session)
    first = await sign_step(secretary, session, session.secretary_person_id, "secretary")
    assert first.status_code == 201, first.text

    waiting = await sign_step(chair, session, session.chair_person_id, "chair")
    assert waiting.status_code == 409, waiting.text
    assert "ecabinet-chair" in waiting.json()["detail"]
    assert "chỉ được cung cấp cho bước ký của người này" in waiting.json()["detail"]
    assert (await audit_kinds(db))[-1] == "refused.signing-key-unavailable"
    state = await chair.get(f"/api/meetings/{session.meeting_id}/minutes")
    assert state.json()["state"] == "signed_by_secretary"

    await pin_file.write_bytes(b"wrong-pin\n")
    wrong = await sign_step(chair, session, session.chair_person_id, "chair")
    assert wrong.status_code == 409 and "PinIncorrect" in wrong.json()["detail"], wrong.text

    await pin_file.write_bytes(pin)  # supplied for the chair's step
    signed = await sign_step(chair, session, session.chair_person_id, "chair")
    assert signed.status_code == 201, signed.text
    assert signed.json()["state"] == "signed"
    for official in (secretary, chair):
        await official.aclose()

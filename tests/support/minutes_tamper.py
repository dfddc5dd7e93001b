"""Genuine signed minutes, built once per test module (the ``genuine`` fixture), and the
tools a dishonest operator has to forge them: the server's two PAdES keys, pyHanko's
incremental writer, fresh passkeys. Everything is real: real ballots from software
passkeys, the chair's passkey approval over the draft's hash, pyHanko signatures, the key
register signed by the secretariat."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from pyhanko.pdf_utils import generic
from sqlmodel import select

from ecabinet.actions.key_register import export_register
from ecabinet.actions.minutes_drafts import make_drafts
from ecabinet.ballots.evidence import ballot_challenge, canonical_json
from ecabinet.db import Database, make_engine
from ecabinet.migrate import upgrade
from ecabinet.minutes import evidence, pdfdoc
from ecabinet.minutes.ca import DemoSigning, prepare_demo_signing
from ecabinet.minutes.collect import collect
from ecabinet.minutes.evidence import APPROVAL_FILE_NAME, b64url
from ecabinet.minutes.findings import Report
from ecabinet.minutes.record import MinutesRecord
from ecabinet.minutes.register import Register
from ecabinet.minutes.register_pdf import read_register
from ecabinet.minutes.render import CHAIR_FIELD, SECRETARY_FIELD, EvidenceSummary, render_minutes
from ecabinet.minutes.sign import KeySource, sign_pdf
from ecabinet.minutes.verify import load_trust_roots, verify_pdf
from ecabinet.models import PasskeyCredential
from ecabinet.settings import Settings, load_settings
from ecabinet.softauthn import SoftAuthenticator, b64url_decode

from .database import ORIGIN, run_blocking
from .minutes import ClosedSession, build_closed_session


@dataclass
class Genuine:
    settings: Settings
    signing: DemoSigning
    session: ClosedSession
    record: MinutesRecord
    draft: bytes
    approval: dict[str, Any]
    pdf: bytes
    register_pdf: bytes
    register: Register
    register_note: str
    roots: list[Any]


async def build_genuine(template_database: str, tmp: Path) -> Genuine:
    """The demo session, its minutes approved by the chair's passkey and signed by both,
    and the body's key register; on a copy of the migrated template (SQLite)."""
    path = tmp / "ecabinet.db"
    if Path(template_database).is_file():  # noqa: ASYNC240
        shutil.copyfile(template_database, path)
    else:
        # The PostgreSQL pass names a template database, not a file. What is checked here
        # is the PDF, not the database: build it on a migrated SQLite file all the same.
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()
    signing = prepare_demo_signing(
        tmp / "signing",
        secretary_name="Nghiêm Thị Hồng Vân",
        chair_name="Trần Quốc Khải",
        organization="Chính phủ",
    )
    settings = load_settings(
        environ={},
        database_url=f"sqlite+aiosqlite:///{path}",
        data_dir=str(tmp / "data"),
        origin=ORIGIN,
        session_secret="test-secret-" + "x" * 40,
    )
    settings = replace(
        settings,
        minutes_secretary_key=str(signing.secretary.key_file),
        minutes_secretary_passphrase_file=str(signing.secretary.passphrase_file),
        minutes_chair_key=str(signing.chair.key_file),
        minutes_chair_passphrase_file=str(signing.chair.passphrase_file),
    )
    db = Database(settings.database_url)
    try:
        session = await build_closed_session(db, settings)
        async with db.transaction() as tx:
            record = await collect(
                tx.session,
                settings,
                session.meeting_id,
                secretary_membership_id=session.secretary_membership_id,
            )
            chair_key = (
                await tx.session.exec(
                    select(PasskeyCredential).where(
                        PasskeyCredential.person_id == session.chair_person_id
                    )
                )
            ).one()
            register_pdf = await export_register(tx, settings, body_id=session.body_id)
    finally:
        await db.dispose()
    draft = make_drafts(record, "vi").minutes
    approval = approve(
        draft,
        session.devices[session.chair_person_id],
        chair_key.public_key_spki_pem,
        name="Trần Quốc Khải",
    )
    pdf = await sign_both(draft, approval, signing.secretary, signing.chair)
    roots = load_trust_roots([signing.ca_certificate])
    register, note = await read_register(register_pdf, trust_roots=roots)
    return Genuine(
        settings,
        signing,
        session,
        record,
        draft,
        approval,
        pdf,
        register_pdf,
        register,
        note,
        roots,
    )


def approve(
    draft: bytes, device: SoftAuthenticator, public_key: str, *, name: str
) -> dict[str, Any]:
    """What the server records when the chair approves: a passkey assertion over SHA-256
    of the draft's bytes."""
    digest = hashlib.sha256(draft).digest()
    assertion = device.assert_challenge(digest)
    response = assertion["response"]
    return {
        "draftSha256": digest.hex(),
        "draftLength": len(draft),
        "authenticatorData": response["authenticatorData"],
        "clientDataJSON": response["clientDataJSON"],
        "signature": response["signature"],
        "credentialId": assertion["id"],
        "publicKey": public_key,
        "origin": device.origin,
        "rpId": device.rp_id,
        "name": name,
        "at": _now(),
    }


def _now() -> str:
    from ecabinet.models import utcnow

    return utcnow().isoformat(timespec="seconds")


def fresh_device() -> SoftAuthenticator:
    """A passkey the forger makes: a real key, but nobody's in the register."""
    device = SoftAuthenticator(origin=ORIGIN, rp_id="localhost")
    options = {
        "challenge": b64url(b"x" * 32),
        "rp": {"id": "localhost", "name": "x"},
        "user": {"id": b64url(b"forger"), "name": "f", "displayName": "f"},
        "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
        "authenticatorSelection": {"userVerification": "required"},
    }
    device.register(options)
    return device


def device_key(device: SoftAuthenticator) -> str:
    return device.public_key_spki_pem(next(iter(device.credentials)))


async def sign_both(
    draft: bytes, approval: dict[str, Any] | None, secretary: KeySource, chair: KeySource
) -> bytes:
    extra = (
        {}
        if approval is None
        else {APPROVAL_FILE_NAME: json.dumps(approval, sort_keys=True).encode()}
    )
    once = await sign_pdf(draft, field=SECRETARY_FIELD, key=secretary, attachments=extra)
    return await sign_pdf(once, field=CHAIR_FIELD, key=chair)


def draft_with(
    record: MinutesRecord,
    proof: dict[str, Any],
    *,
    name: str = evidence.FILE_NAME,
    kind: str = pdfdoc.MINUTES,
) -> bytes:
    """A draft re-rendered around other evidence (the page prints its hash)."""
    data = evidence.to_bytes(proof)
    laid_out = render_minutes(
        record, EvidenceSummary(hashlib.sha256(data).hexdigest(), evidence.ballot_count(proof))
    )
    return pdfdoc.prepare(
        laid_out.data, laid_out.fields, {name: data}, kind=kind, lock_field=CHAIR_FIELD
    )


def incremental(pdf: bytes, change: Any) -> bytes:
    """``change(writer)`` in a new unsigned revision appended to ``pdf``."""
    writer = pdfdoc.incremental(pdf)
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def rewrite_first_page(writer: Any) -> None:
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 700 Td (FORGED) Tj ET")
    page[generic.pdf_name("/Contents")] = writer.add_object(stream)
    writer.update_container(page)


async def problems(pdf: bytes, genuine: Genuine, *, keys: bool = True) -> list[str]:
    report = await verify_pdf(
        pdf,
        trust_roots=genuine.roots,
        keys=genuine.register if keys else None,
        keys_note=genuine.register_note,
    )
    return [f.text(lambda m, **p: m % p if p else m) for f in report.problems]


def evidence_of(genuine: Genuine) -> dict[str, Any]:
    copy: dict[str, Any] = json.loads(json.dumps(evidence.evidence_of(genuine.record)))
    return copy


def b64(data: bytes) -> str:
    return b64url(data)


def unb64(text: str) -> bytes:
    return b64url_decode(text)


@pytest.fixture(scope="module")
def genuine(template_database: str, tmp_path_factory: pytest.TempPathFactory) -> Genuine:
    return run_blocking(build_genuine(template_database, tmp_path_factory.mktemp("genuine")))


def texts(report: Report) -> list[str]:
    return [f.text(lambda m, **p: m % p if p else m) for f in report.problems]


async def server_signed(genuine: Genuine, draft: bytes, approval: dict[str, Any] | None) -> bytes:
    """``draft`` with ``approval`` (or none), signed with the server's two keys as the
    genuine minutes were."""
    return await sign_both(draft, approval, genuine.signing.secretary, genuine.signing.chair)


async def redrafted(genuine: Genuine, proof: dict[str, Any]) -> bytes:
    """The minutes re-drafted around other evidence, approved and signed with the server's
    two keys as the genuine ones were."""
    return await server_signed(genuine, draft_with(genuine.record, proof), genuine.approval)


def resign_ballot(
    ballot: dict[str, Any], payload: dict[str, Any], device: SoftAuthenticator
) -> None:
    """The ballot's payload replaced and signed by ``device``, as if it had voted so."""
    response = device.assert_challenge(ballot_challenge(payload))["response"]
    ballot.update(
        payload=payload,
        receipt=hashlib.sha256(canonical_json(payload)).hexdigest(),
        authenticatorData=response["authenticatorData"],
        clientDataJSON=response["clientDataJSON"],
        signature=response["signature"],
        publicKey=device_key(device),
    )


def flip_to_against(
    vote: dict[str, Any], ballot: dict[str, Any], device: SoftAuthenticator
) -> None:
    """A ballot for turned against, re-signed by ``device``, and the vote's outcome to match."""
    resign_ballot(ballot, dict(ballot["payload"], choice="against"), device)
    vote["outcome"]["for"] -= 1
    vote["outcome"]["against"] += 1

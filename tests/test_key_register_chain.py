"""The member key register's revisions (issue 11): each key change publishes a signed
revision naming the one before, so a key added after a session cannot pass for one the
members could see before they voted. The forger here is root on the server: it writes a
passkey row into the database, backdated to before the session, and re-signs a ballot and
the minutes with the demo's real keys."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, delete, select

from ecabinet.actions.key_register import export_register
from ecabinet.db import Database
from ecabinet.minutes.evidence import b64url
from ecabinet.minutes.register import RegisterError
from ecabinet.minutes.register_pdf import read_register, read_registers
from ecabinet.minutes.verify import verify_pdf
from ecabinet.models import KeyRegisterRevision, PasskeyCredential, utcnow
from ecabinet.sweeper import sweep_once

from .support.minutes_tamper import (
    Genuine,
    device_key,
    evidence_of,
    flip_to_against,
    fresh_device,
    redrafted,
    texts,
)


def copy_of(genuine: Genuine, tmp: Path) -> Database:
    source = Path(genuine.settings.database_url.removeprefix("sqlite+aiosqlite:///"))
    shutil.copyfile(source, tmp / "copy.db")
    return Database(f"sqlite+aiosqlite:///{tmp / 'copy.db'}")


async def forge_with_a_backdated_key(
    genuine: Genuine, db: Database, monkeypatch: pytest.MonkeyPatch
) -> tuple[bytes, bytes]:
    """Root's forgery, a day after the session: a passkey row for the first voter, enrolled
    (it says) a day before the session; the register publishes it; the ballot flipped and
    re-signed with it."""
    a_day_later = utcnow() + timedelta(days=1)
    monkeypatch.setattr("ecabinet.actions.key_register.utcnow", lambda: a_day_later)
    proof = evidence_of(genuine)
    vote = proof["votes"][0]
    ballot = vote["ballots"][0]
    device = fresh_device()
    at = vote["ballots"][0]["payload"]["issuedAt"]
    settings = replace(genuine.settings, database_url=str(db.engine.url))
    async with db.transaction() as tx:
        tx.session.add(
            PasskeyCredential(
                person_id=int(ballot["payload"]["person"]),
                credential_id=b64url(next(iter(device.credentials))),
                public_key_cose=b"",
                public_key_spki_pem=device_key(device),
                device_name="forged",
                created_at=utcnow().fromisoformat(at) - timedelta(days=1),
            )
        )
        await tx.session.flush()
        register = await export_register(tx, settings, body_id=genuine.session.body_id)
    flip_to_against(vote, ballot, device)
    forged = await redrafted(genuine, proof)
    return forged, register


async def test_a_key_added_after_the_vote_is_caught_by_its_register_revision(
    genuine: Genuine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = copy_of(genuine, tmp_path)
    try:
        forged, register = await forge_with_a_backdated_key(genuine, db, monkeypatch)
    finally:
        await db.dispose()
    keys, _note = await read_register(register, trust_roots=genuine.roots)
    assert keys.revision == 2
    assert keys.previous_sha256 == hashlib.sha256(genuine.register_pdf).hexdigest()
    # The enrollment time the forger wrote passes the old check; the revision does not.
    found = texts(await verify_pdf(forged, trust_roots=genuine.roots, keys=keys))
    assert any(
        "the voter's passkey: the key first appeared in revision 2 of the register" in p
        and "after it signed" in p
        for p in found
    ), found
    # The genuine minutes still verify against the newer revision: their keys were in the
    # first one.
    genuine_report = await verify_pdf(genuine.pdf, trust_roots=genuine.roots, keys=keys)
    assert genuine_report.ok, texts(genuine_report)


async def test_revisions_given_together_must_form_one_chain(
    genuine: Genuine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = copy_of(genuine, tmp_path)
    try:
        _forged, second = await forge_with_a_backdated_key(genuine, db, monkeypatch)
        newest, note = await read_registers(
            [genuine.register_pdf, second], trust_roots=genuine.roots
        )
        assert newest.revision == 2 and "chained with revisions 1" in note
        # Root rewrites the register from its start, the forged key in its first revision.
        async with db.transaction() as tx:
            await tx.session.exec(
                delete(KeyRegisterRevision).where(
                    col(KeyRegisterRevision.body_id) == genuine.session.body_id
                )
            )
        async with db.transaction() as tx:
            rewritten = await export_register(
                tx,
                replace(genuine.settings, database_url=str(db.engine.url)),
                body_id=genuine.session.body_id,
            )
    finally:
        await db.dispose()
    alone, _ = await read_registers([rewritten], trust_roots=genuine.roots)
    assert alone.revision == 1  # alone, a rewritten first revision cannot be told apart
    with pytest.raises(
        RegisterError,
        match="two different files are both revision 1 of the register: it was rewritten",
    ):
        await read_registers([genuine.register_pdf, rewritten], trust_roots=genuine.roots)
    with pytest.raises(
        RegisterError,
        match=r"records revision 1 with SHA-256 \w+, but the "
        r"revision 1 given has \w+: the register was "
        r"rewritten",
    ):
        await read_registers([rewritten, second], trust_roots=genuine.roots)


async def test_the_sweeper_publishes_a_revision_for_every_key_change(
    genuine: Genuine, tmp_path: Path
) -> None:
    db = copy_of(genuine, tmp_path)
    settings = replace(genuine.settings, database_url=str(db.engine.url))
    try:
        assert (await sweep_once(db, settings)).registers_published == 0  # nothing changed
        async with db.transaction() as tx:
            key = (
                await tx.session.exec(
                    select(PasskeyCredential).where(
                        PasskeyCredential.person_id == genuine.session.chair_person_id
                    )
                )
            ).one()
            key.revoked_at = utcnow()  # written straight into the database, as root could
            tx.session.add(key)
        assert (await sweep_once(db, settings)).registers_published == 1
        assert (await sweep_once(db, settings)).registers_published == 0
        async with db.read() as session:
            newest = (
                await session.exec(
                    select(KeyRegisterRevision).order_by(col(KeyRegisterRevision.revision).desc())
                )
            ).first()
    finally:
        await db.dispose()
    assert newest is not None and newest.revision == 2
    assert newest.content["changes"] == [{"credentialId": key.credential_id, "change": "revoked"}]
    keys, _ = await read_registers([genuine.register_pdf, newest.pdf], trust_roots=genuine.roots)
    (entry,) = keys.credentials_of_key(key.public_key_spki_pem)
    assert entry.revoked_at is not None and entry.published_in == 1

"""The member key register of a body, as the server publishes it: each seated person's
passkeys and the minutes signers' certificates, signed by the secretariat's key.

It is published in revisions. Whenever its content changes (a passkey enrolled, revoked,
blocked, a quarantine ended, a signer's certificate or the attestation roots changed) the
next revision is signed and time-stamped, names the SHA-256 of the one before and lists
every earlier revision, and says for each key the revision that first listed it. The
sweeper publishes within one sweep of a change, whatever made it, so a passkey row written
into the database behind the application's back is published too, with its true time.
Anyone may download any revision (``/bodies/{id}/key-register.pdf``, ``ecabinet keys
export``): they hold public keys and names, nothing secret.

See ``ecabinet.minutes.register`` for what it proves and how a verifier uses it."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlmodel import col, select

from .. import audit
from ..auth.actor import Actor
from ..auth.permissions import Permission, can, ensure
from ..db import Tx
from ..errors import EcabinetError, NotFound
from ..minutes.evidence import b64url
from ..minutes.register import REGISTER_FORMAT, ROLES, key_fingerprint
from ..minutes.register_pdf import certificate_sha256, sign_register
from ..minutes.sign import key_source, timestamper
from ..models import (
    AttestationRoot,
    Body,
    Enrollment,
    KeyRegisterRevision,
    Membership,
    PasskeyCredential,
    PasskeyQuarantine,
    Person,
    utcnow,
)
from ..settings import Settings


def _iso(moment: Any) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")


async def register_of(tx: Tx, settings: Settings, body_id: int) -> dict[str, Any]:
    """The register's content for ``body_id`` (every person ever seated there, since a
    past session's ballots must still find their keys)."""
    body = await tx.session.get(Body, body_id)
    if body is None:
        raise NotFound("There is no body with the number %(id)s.", id=body_id)
    seats = (await tx.session.exec(select(Membership).where(Membership.body_id == body_id))).all()
    person_ids = sorted({s.person_id for s in seats})
    people = {
        p.id: p
        for p in (await tx.session.exec(select(Person).where(col(Person.id).in_(person_ids)))).all()
    }
    credentials = (
        await tx.session.exec(
            select(PasskeyCredential)
            .where(col(PasskeyCredential.person_id).in_(person_ids))
            .order_by(col(PasskeyCredential.id))
        )
    ).all()
    quarantines = {
        q.credential_id: q
        for q in (
            await tx.session.exec(
                select(PasskeyQuarantine).where(col(PasskeyQuarantine.person_id).in_(person_ids))
            )
        ).all()
    }
    enrollments = (
        await tx.session.exec(
            select(Enrollment).where(
                col(Enrollment.person_id).in_(person_ids), col(Enrollment.used_at).is_not(None)
            )
        )
    ).all()
    issuers = {
        p.id: p.full_name
        for p in (
            await tx.session.exec(
                select(Person).where(
                    col(Person.id).in_({e.created_by_id for e in enrollments if e.created_by_id})
                )
            )
        ).all()
    }
    entries: dict[str, Any] = {}
    for pid in person_ids:
        person = people[pid]
        entries[str(pid)] = {
            "name": person.full_name,
            "memberships": sorted(s.id for s in seats if s.person_id == pid and s.id),
            "roles": sorted({s.role for s in seats if s.person_id == pid}),
            "credentials": [
                _credential(c, enrollments, issuers, quarantines.get(c.id or 0))
                for c in credentials
                if c.person_id == pid
            ],
        }
    return {
        "format": REGISTER_FORMAT,
        "origin": settings.origin,
        "rpId": settings.rp_id,
        "body": {"id": body_id, "name": body.name},
        "people": entries,
        "signers": await _signers(settings),
        "attestation": {
            "policy": body.attestation_policy,
            "roots": [
                r.pem
                for r in (
                    await tx.session.exec(
                        select(AttestationRoot)
                        .where(AttestationRoot.body_id == body_id)
                        .order_by(col(AttestationRoot.id))
                    )
                ).all()
            ],
        },
    }


def _credential(
    credential: PasskeyCredential,
    enrollments: Any,
    issuers: dict[int | None, str],
    quarantine: PasskeyQuarantine | None,
) -> dict[str, Any]:
    # The enrollment link this key was made with: the last one the person used before it.
    used = [
        e
        for e in enrollments
        if e.person_id == credential.person_id
        and e.used_at is not None
        and e.used_at <= credential.created_at
    ]
    link = max(used, key=lambda e: e.used_at, default=None)
    return {
        "credentialId": credential.credential_id,
        "publicKey": credential.public_key_spki_pem,
        "fingerprint": key_fingerprint(credential.public_key_spki_pem),
        "algorithm": credential.algorithm,
        "aaguid": credential.aaguid or None,
        # The authenticator's attestation as it was received, for a verifier that checks
        # the device's make and model against its vendor's roots.
        "attestation": None
        if not credential.attestation_object
        else {
            "format": credential.attestation_format,
            "object": b64url(credential.attestation_object),
            "clientDataJSON": None
            if credential.registration_client_data is None
            else b64url(credential.registration_client_data),
        },
        "enrolledAt": _iso(credential.created_at),
        "approvedBy": None if link is None else issuers.get(link.created_by_id),
        # Revoked, or blocked as a suspected clone: either way it signs nothing after this.
        "revokedAt": _iso(credential.revoked_at),
        "blocked": credential.suspected_clone,
        "quarantine": None
        if quarantine is None
        else {
            "until": _iso(quarantine.until),
            "endedAt": _iso(quarantine.ended_at),
            "outcome": quarantine.outcome or None,
        },
    }


async def _signers(settings: Settings) -> list[dict[str, Any]]:
    found = []
    for role in ROLES:
        try:
            async with key_source(settings, role).open() as signer:  # type: ignore[arg-type]
                certificate: Any = signer.signing_cert
        except EcabinetError:  # a role without a configured key signs nothing: list nobody
            continue
        found.append(
            {
                "role": role,
                "subject": certificate.subject.human_friendly,
                "certificateSha256": certificate_sha256(certificate),
            }
        )
    return found


def content_sha256(content: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8")
    ).hexdigest()


async def latest_revision(tx: Tx, body_id: int) -> KeyRegisterRevision | None:
    return (
        await tx.session.exec(
            select(KeyRegisterRevision)
            .where(KeyRegisterRevision.body_id == body_id)
            .order_by(col(KeyRegisterRevision.revision).desc())
            .limit(1)
        )
    ).first()


async def publish_if_changed(tx: Tx, settings: Settings, body_id: int) -> KeyRegisterRevision:
    """The newest revision, after publishing a new one if the content changed since.

    The body's row is locked first, so two processes never number two revisions alike;
    nothing else is locked while the register is signed."""
    body = (await tx.session.exec(select(Body).where(Body.id == body_id).with_for_update())).first()
    if body is None:
        raise NotFound("There is no body with the number %(id)s.", id=body_id)
    content = await register_of(tx, settings, body_id)
    digest = content_sha256(content)
    latest = await latest_revision(tx, body_id)
    if latest is not None and latest.content_sha256 == digest:
        return latest
    number = 1 if latest is None else latest.revision + 1
    _number_keys(content, number, None if latest is None else latest.content)
    content.update(
        {
            "revision": number,
            "issuedAt": _iso(utcnow()),
            "previous": None
            if latest is None
            else {
                "revision": latest.revision,
                "sha256": latest.sha256,
                "issuedAt": latest.content.get("issuedAt"),
            },
            "history": []
            if latest is None
            else [
                *latest.content.get("history", []),
                {
                    "revision": latest.revision,
                    "sha256": latest.sha256,
                    "issuedAt": latest.content.get("issuedAt"),
                    "changes": latest.content.get("changes", []),
                },
            ],
            "changes": _changes(content, None if latest is None else latest.content),
        }
    )
    pdf = await sign_register(
        content, key=key_source(settings, "secretary"), stamper=timestamper(settings)
    )
    row = KeyRegisterRevision(
        body_id=body_id,
        revision=number,
        sha256=hashlib.sha256(pdf).hexdigest(),
        previous_sha256="" if latest is None else latest.sha256,
        content_sha256=digest,
        content=content,
        pdf=pdf,
    )
    tx.session.add(row)
    await tx.session.flush()
    await audit.record(
        tx.session,
        "keys.register_published",
        body_id=body_id,
        revision=number,
        sha256=row.sha256,
        changes=len(content["changes"]),
    )
    return row


def _credentials(content: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    if content is None:
        return {}
    return {c["credentialId"]: c for p in content["people"].values() for c in p["credentials"]}


def _number_keys(content: dict[str, Any], number: int, previous: dict[str, Any] | None) -> None:
    """Each key keeps the revision that first listed it."""
    before = _credentials(previous)
    for credential_id, entry in _credentials(content).items():
        entry["publishedIn"] = before.get(credential_id, {}).get("publishedIn", number)


def _changes(content: dict[str, Any], previous: dict[str, Any] | None) -> list[dict[str, Any]]:
    before, now = _credentials(previous), _credentials(content)
    changes: list[dict[str, Any]] = []
    for credential_id, entry in now.items():
        old = before.get(credential_id)
        if old is None:
            changes.append({"credentialId": credential_id, "change": "enrolled"})
            continue
        for key, change in (
            ("revokedAt", "revoked"),
            ("blocked", "blocked"),
            ("quarantine", "quarantine"),
        ):
            if entry.get(key) != old.get(key):
                changes.append({"credentialId": credential_id, "change": change})
    changes += [{"credentialId": c, "change": "removed"} for c in before if c not in now]
    if previous is not None and previous.get("signers") != content["signers"]:
        changes.append({"change": "signers"})
    if previous is not None and previous.get("attestation") != content["attestation"]:
        changes.append({"change": "attestation"})
    return changes


async def revision_pdf(tx: Tx, body_id: int, revision: int | None = None) -> bytes:
    """A published revision (the newest when ``revision`` is None), for anyone: stored bytes,
    so serving it costs no signature."""
    query = select(KeyRegisterRevision).where(KeyRegisterRevision.body_id == body_id)
    if revision is not None:
        query = query.where(KeyRegisterRevision.revision == revision)
    row = (
        await tx.session.exec(query.order_by(col(KeyRegisterRevision.revision).desc()).limit(1))
    ).first()
    if row is None:
        raise NotFound("No member key register of this body has been published yet.")
    return row.pdf


async def export_register(
    tx: Tx, settings: Settings, *, body_id: int, actor: Actor | None = None
) -> bytes:
    """The newest signed revision, published first if the keys changed since; a member of
    the body may ask for it (the command line, ``actor`` None, is the operator's)."""
    if actor is not None:
        ensure(actor, Permission.VIEW_BODY, body_id)
    return (await publish_if_changed(tx, settings, body_id)).pdf


async def register_for(tx: Tx, settings: Settings, actor: Actor, body_id: int) -> bytes:
    """What ``/bodies/{id}/key-register.pdf`` serves: to a member of the body, the newest
    revision, published first if the keys changed; to anyone else the newest stored one
    (so an anonymous request never costs a signature)."""
    if actor.person_id is not None and can(actor, Permission.VIEW_BODY, body_id):
        return await export_register(tx, settings, body_id=body_id, actor=actor)
    return await revision_pdf(tx, body_id)

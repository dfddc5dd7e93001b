"""The member key register of a body, as the server publishes it (``ecabinet keys export``,
and ``/bodies/{id}/key-register.pdf`` for the body's members): each seated person's
passkeys and the minutes signers' certificates, signed by the secretariat's key.

See ``ecabinet.minutes.register`` for what it proves and how a verifier uses it."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from .. import audit
from ..auth.actor import Actor
from ..auth.permissions import Permission, ensure
from ..db import Tx
from ..errors import EcabinetError, NotFound
from ..minutes.evidence import b64url
from ..minutes.register import REGISTER_FORMAT, ROLES, key_fingerprint
from ..minutes.register_pdf import certificate_sha256, sign_register
from ..minutes.sign import key_source, timestamper
from ..models import Body, Enrollment, Membership, PasskeyCredential, Person, utcnow
from ..settings import Settings


def _iso(moment: Any) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")


async def register_of(tx: Tx, settings: Settings, body_id: int) -> dict[str, Any]:
    """The register's content for ``body_id`` (every person ever seated there, since a
    past session's ballots must still find their keys)."""
    body = await tx.session.get(Body, body_id)
    if body is None:
        raise NotFound("There is no body with the number %(id)s.", id=body_id)
    seats = (await tx.session.exec(select(Membership).where(
        Membership.body_id == body_id))).all()
    person_ids = sorted({s.person_id for s in seats})
    people = {p.id: p for p in (await tx.session.exec(select(Person).where(
        col(Person.id).in_(person_ids)))).all()}
    credentials = (await tx.session.exec(select(PasskeyCredential).where(
        col(PasskeyCredential.person_id).in_(person_ids)).order_by(
        col(PasskeyCredential.id)))).all()
    enrollments = (await tx.session.exec(select(Enrollment).where(
        col(Enrollment.person_id).in_(person_ids), col(Enrollment.used_at).is_not(None)))).all()
    issuers = {p.id: p.full_name for p in (await tx.session.exec(select(Person).where(
        col(Person.id).in_({e.created_by_id for e in enrollments if e.created_by_id})))).all()}
    entries: dict[str, Any] = {}
    for pid in person_ids:
        person = people[pid]
        entries[str(pid)] = {
            "name": person.full_name,
            "memberships": sorted(s.id for s in seats if s.person_id == pid and s.id),
            "roles": sorted({s.role for s in seats if s.person_id == pid}),
            "credentials": [_credential(c, enrollments, issuers)
                            for c in credentials if c.person_id == pid],
        }
    return {
        "format": REGISTER_FORMAT, "origin": settings.origin, "rpId": settings.rp_id,
        "body": {"id": body_id, "name": body.name},
        "issuedAt": _iso(utcnow()), "people": entries, "signers": await _signers(settings),
    }


def _credential(credential: PasskeyCredential, enrollments: Any,
                issuers: dict[int | None, str]) -> dict[str, Any]:
    # The enrollment link this key was made with: the last one the person used before it.
    used = [e for e in enrollments if e.person_id == credential.person_id and
            e.used_at is not None and e.used_at <= credential.created_at]
    link = max(used, key=lambda e: e.used_at, default=None)
    return {
        "credentialId": credential.credential_id,
        "publicKey": credential.public_key_spki_pem,
        "fingerprint": key_fingerprint(credential.public_key_spki_pem),
        "algorithm": credential.algorithm, "aaguid": credential.aaguid or None,
        # The authenticator's attestation as it was received, for a verifier that checks
        # the device's make and model against its vendor's roots.
        "attestation": None if not credential.attestation_object else {
            "format": credential.attestation_format,
            "object": b64url(credential.attestation_object)},
        "device": credential.device_name,
        "enrolledAt": _iso(credential.created_at),
        "approvedBy": None if link is None else issuers.get(link.created_by_id),
        "revokedAt": _iso(credential.revoked_at),
    }


async def _signers(settings: Settings) -> list[dict[str, Any]]:
    found = []
    for role in ROLES:
        try:
            async with key_source(settings, role).open() as signer:  # type: ignore[arg-type]
                certificate: Any = signer.signing_cert
        except EcabinetError:  # a role without a configured key signs nothing: list nobody
            continue
        found.append({"role": role, "subject": certificate.subject.human_friendly,
                      "certificateSha256": certificate_sha256(certificate)})
    return found


async def export_register(tx: Tx, settings: Settings, *, body_id: int,
                          actor: Actor | None = None) -> bytes:
    """The signed register PDF; a member of the body may download it, the command line
    (``actor`` None) is the operator's."""
    if actor is not None:
        ensure(actor, Permission.VIEW_BODY, body_id)
    content = await register_of(tx, settings, body_id)
    pdf = await sign_register(content, key=key_source(settings, "secretary"),
                              stamper=timestamper(settings))
    await audit.record(tx.session, "keys.register_exported", body_id=body_id,
                       actor_id=None if actor is None else actor.person_id,
                       keys=sum(len(p["credentials"]) for p in content["people"].values()))
    return pdf

"""Authenticator attestation, per body: is this passkey on a device model the body approved?

Policy ``any`` (the default) takes the authenticator's word for its model (AAGUID), which
any software can forge. Policy ``attested`` asks for direct attestation and accepts a new
passkey only when

* the attestation statement carries a certificate chain (x5c): "none" and self
  attestation prove nothing about the maker;
* py_webauthn has verified the statement's signature over the authenticator data (which
  holds the AAGUID) with the chain's leaf key, and the chain leads to one of the maker
  root certificates the body trusts (``ecabinet attestation trust BODY FILE.pem``);
* the leaf certificate, when it names an AAGUID (FIDO extension 1.3.6.1.4.1.45724.1.1.4),
  names the one the device claims;
* the AAGUID is on the body's allow-list (an attested body with an empty list approves
  no model at all).

A person seated in several bodies must satisfy every attested body among them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from sqlmodel import col, select
from webauthn.helpers import parse_attestation_object
from webauthn.helpers.exceptions import InvalidCertificateChain
from webauthn.helpers.structs import AttestationConveyancePreference, AttestationFormat
from webauthn.helpers.validate_certificate_chain import validate_certificate_chain

from ..db import Tx
from ..errors import Forbidden, ValidationFailed
from ..models import AttestationRoot, Body, Membership

ANY, ATTESTED = "any", "attested"
POLICIES = (ANY, ATTESTED)
AAGUID_EXTENSION = x509.ObjectIdentifier("1.3.6.1.4.1.45724.1.1.4")


class AttestationRefused(Forbidden):
    title = "Passkey not accepted"
    kind = "attestation"


@dataclass(frozen=True)
class AttestedBody:
    id: int
    name: str
    roots: list[bytes]  # PEM
    aaguids: list[str]


async def attested_bodies(tx: Tx, person_id: int) -> list[AttestedBody]:
    bodies = (
        (
            await tx.session.exec(
                select(Body)
                .join(Membership, col(Membership.body_id) == Body.id)
                .where(
                    Membership.person_id == person_id,
                    col(Membership.active),
                    Body.attestation_policy == ATTESTED,
                )
            )
        )
        .unique()
        .all()
    )
    result = []
    for body in bodies:
        assert body.id is not None
        roots = await attested_roots(tx, body)
        result.append(
            AttestedBody(
                body.id, body.name, [r.pem.encode() for r in roots], list(body.aaguid_allowlist)
            )
        )
    return result


async def attested_roots(tx: Tx, body: Body) -> list[AttestationRoot]:
    return list(
        (
            await tx.session.exec(select(AttestationRoot).where(AttestationRoot.body_id == body.id))
        ).all()
    )


async def conveyance(tx: Tx, person_id: int | None) -> AttestationConveyancePreference:
    """Direct attestation when one of the person's bodies requires it; otherwise none, so
    that browsers do not show a privacy prompt for nothing."""
    if person_id is not None and await attested_bodies(tx, person_id):
        return AttestationConveyancePreference.DIRECT
    return AttestationConveyancePreference.NONE


async def refusal(
    tx: Tx, person_id: int, attestation_object: bytes, aaguid: str
) -> AttestationRefused | None:
    """Why this new passkey does not meet the policy of one of the person's bodies."""
    for body in await attested_bodies(tx, person_id):
        problem = check(attestation_object, aaguid, body)
        if problem is not None:
            return problem
    return None


def check(attestation_object: bytes, aaguid: str, body: AttestedBody) -> AttestationRefused | None:
    """The first reason this registration fails ``body``'s policy, or None."""
    if not body.roots:
        return AttestationRefused(
            "%(body)s accepts only attested devices but trusts no maker's root certificate "
            "yet; the administrator loads one with `ecabinet attestation trust`.",
            body=body.name,
        )
    parsed = parse_attestation_object(attestation_object)
    chain = list(parsed.att_stmt.x5c or []) if parsed.att_stmt else []
    if parsed.fmt == AttestationFormat.NONE or not chain:
        return AttestationRefused(
            'This device did not prove its make and model (attestation "%(fmt)s" without a '
            "maker's certificate); %(body)s accepts only devices whose maker it trusts.",
            fmt=format_name(parsed.fmt),
            body=body.name,
        )
    why = why_untrusted(chain, body.roots)
    if why is not None:
        return AttestationRefused(
            "This device's attestation certificate does not chain to a maker's root "
            "certificate that %(body)s trusts (%(why)s).",
            body=body.name,
            why=why,
        )
    named = certified_aaguid(chain[0])
    if named is not None and named != aaguid:
        return AttestationRefused(
            "This device's attestation certificate is for another model (AAGUID "
            "%(certified)s) than the one it claims (%(claimed)s).",
            certified=named,
            claimed=aaguid,
        )
    if aaguid not in body.aaguids:
        return AttestationRefused(
            "This device model (AAGUID %(aaguid)s) is not on the list of models %(body)s approves.",
            aaguid=aaguid,
            body=body.name,
        )
    return None


def why_untrusted(chain: list[bytes], roots: list[bytes]) -> str | None:
    """None when the chain leads to one of the roots; otherwise OpenSSL's reason."""
    try:
        validate_certificate_chain(x5c=chain, pem_root_certs_bytes=roots)
        return None
    except InvalidCertificateChain as exc:
        why = str(exc.__cause__ or exc)
    # A trust anchor is a name and a public key (RFC 5280 §6.1.1), but OpenSSL accepts a
    # self-signed leaf only when those very bytes are in the store. Some makers give every
    # device a fresh certificate under the anchor's own name and key (Chromium's virtual
    # authenticator mints one per registration): it is trusted when the anchor signed it.
    if len(chain) == 1:
        leaf = x509.load_der_x509_certificate(chain[0])
        now = datetime.now(UTC)
        if leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc:
            for pem in roots:
                try:
                    leaf.verify_directly_issued_by(x509.load_pem_x509_certificate(pem))
                except (ValueError, TypeError, InvalidSignature):
                    continue
                return None
    return why


def format_name(fmt: object) -> str:
    """py_webauthn gives the format as its enum or, when it does not know it, a string."""
    return str(getattr(fmt, "value", fmt))


def certified_aaguid(leaf_der: bytes) -> str | None:
    certificate = x509.load_der_x509_certificate(leaf_der)
    try:
        extension = certificate.extensions.get_extension_for_oid(AAGUID_EXTENSION)
    except x509.ExtensionNotFound:
        return None
    value = extension.value
    raw = value.value if isinstance(value, x509.UnrecognizedExtension) else b""
    # The extension's value is a DER OCTET STRING of the 16 AAGUID bytes.
    if len(raw) != 18 or raw[:2] != b"\x04\x10":
        return "(malformed)"
    hexed = raw[2:].hex()
    return f"{hexed[:8]}-{hexed[8:12]}-{hexed[12:16]}-{hexed[16:20]}-{hexed[20:]}"


# --- the administrator's side ---------------------------------------------------------


def read_roots(pem: bytes) -> list[x509.Certificate]:
    try:
        certificates = x509.load_pem_x509_certificates(pem)
    except ValueError as exc:
        raise ValidationFailed("This file holds no PEM certificate: %(why)s", why=str(exc)) from exc
    return certificates


async def trust_roots(tx: Tx, body: Body, pem: bytes) -> list[AttestationRoot]:
    """Add the PEM file's certificates to the body's trusted attestation roots (each once)."""
    assert body.id is not None
    added = []
    for certificate in read_roots(pem):
        der = certificate.public_bytes(serialization.Encoding.DER)
        digest = hashlib.sha256(der).hexdigest()
        known = (
            await tx.session.exec(
                select(AttestationRoot).where(
                    AttestationRoot.body_id == body.id, AttestationRoot.sha256 == digest
                )
            )
        ).first()
        if known is not None:
            continue
        row = AttestationRoot(
            body_id=body.id,
            sha256=digest,
            subject=certificate.subject.rfc4514_string()[:500],
            pem=certificate.public_bytes(serialization.Encoding.PEM).decode(),
        )
        tx.session.add(row)
        added.append(row)
    await tx.session.flush()
    return added

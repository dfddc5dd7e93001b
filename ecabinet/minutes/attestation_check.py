"""Whether a ballot key's attestation, as the member key register lists it, proves that the
key was made by a device of a trusted maker.

Root on the server can insert a passkey row of its own making; with the body's policy
``attested`` that key has no maker's chain. The register carries each credential's
attestation object and, for keys registered since it was kept, the registration's
clientDataJSON; the verifier checks, against the maker roots the verifier was given
(``--attestation-roots``) or else those the register lists:

- the attestation's authenticator data attests this very key (a genuine attestation copied
  onto another key fails here);
- its certificate chain (x5c) leads to one of the roots;
- the leaf certificate, when it names a model (AAGUID), names the one attested;
- with the client data kept, the statement's signature over the authenticator data and the
  client data's hash, made with the leaf's key (packed format).
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import serialization
from webauthn.helpers import (
    decode_credential_public_key,
    decoded_public_key_to_cryptography,
    parse_attestation_object,
)
from webauthn.helpers.exceptions import InvalidRegistrationResponse
from webauthn.helpers.structs import AttestationFormat
from webauthn.registration.formats.packed import verify_packed

from ..auth.attestation import ATTESTED, certified_aaguid, why_untrusted
from .evidence import b64url_decode
from .register import key_fingerprint


def attestation_problem(
    attestation: dict[str, Any] | None, fingerprint: str, *, roots: list[str], policy: str
) -> str | None:
    """None when the key's attestation holds (or none is required and none is given)."""
    required = policy == ATTESTED
    if not attestation:
        return (
            "the register lists no attestation for this key, and the body accepts only "
            "attested devices"
            if required
            else None
        )
    try:
        raw = b64url_decode(str(attestation["object"]))
        parsed = parse_attestation_object(raw)
        chain = list(parsed.att_stmt.x5c or []) if parsed.att_stmt else []
        data = parsed.auth_data.attested_credential_data
        if data is None:
            return "its attestation carries no attested credential"
        key = decoded_public_key_to_cryptography(
            decode_credential_public_key(data.credential_public_key)
        )
        attested_pem = key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    except Exception as exc:  # a hostile register entry is a finding, not a crash
        return f"its attestation cannot be read: {type(exc).__name__}: {exc}"[:300]
    if key_fingerprint(attested_pem.decode()) != fingerprint:
        return "its attestation attests another key: it was copied from another device"
    if not chain:
        return (
            "its attestation has no maker's certificate chain, and the body accepts only "
            "attested devices"
            if required
            else None
        )
    if not roots:
        return (
            "its attestation cannot be checked: no maker's root certificate was given "
            "(--attestation-roots) and the register lists none"
        )
    why = why_untrusted(chain, [pem.encode() for pem in roots])
    if why is not None:
        return f"its attestation does not chain to a trusted maker's root ({why})"
    named = certified_aaguid(chain[0])
    attested_model = str(data.aaguid.hex()) if isinstance(data.aaguid, bytes) else ""
    if named is not None and named.replace("-", "") != attested_model:
        return f"its attestation certificate is for another model ({named})"
    client_data = attestation.get("clientDataJSON")
    if client_data and parsed.fmt == AttestationFormat.PACKED:
        try:
            verify_packed(
                attestation_statement=parsed.att_stmt,
                attestation_object=raw,
                client_data_json=b64url_decode(str(client_data)),
                credential_public_key=data.credential_public_key,
                pem_root_certs_bytes=[],
            )
        except (InvalidRegistrationResponse, ValueError) as exc:
            return f"its attestation statement's signature does not verify: {exc}"
    return None

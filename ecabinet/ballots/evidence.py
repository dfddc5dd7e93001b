"""Offline verification of a ballot's WebAuthn evidence.

A ballot is bound to its content: the WebAuthn challenge the voter's passkey signed is
SHA-256 of the ballot payload's canonical JSON. The evidence kept for each ballot (payload,
authenticatorData, clientDataJSON, signature and the voter's SPKI public key) lets anybody
re-check the vote years later with only the Python standard library and `cryptography`;
this module deliberately does not use py_webauthn, so that it stays short enough to audit
and does not depend on a library's future behaviour.

What cannot be checked offline, and is the server's job at the time of voting: that the
challenge was issued once and not replayed, that the sign count went forward, and that the
public key belonged to the member when the vote was cast.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from . import client_data

FLAG_UP = 0x01  # user present
FLAG_UV = 0x04  # user verified
# rpIdHash (32 bytes) + flags (1) + signCount (4)
MIN_AUTHENTICATOR_DATA_LENGTH = 37


class EvidenceError(ValueError):
    """The evidence does not prove the ballot; the message names the failed step."""


def canonical_json(payload: Mapping[str, Any]) -> bytes:
    """The one byte string a ballot payload stands for.

    Keys sorted by code point, no spaces, UTF-8 without escaping. Keep payloads to strings,
    integers, booleans, null, lists and objects: float formatting differs between languages.
    NaN and infinities are refused because they are not JSON.
    """
    return json.dumps(
        dict(payload),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    ).encode("utf-8")


def ballot_challenge(payload: Mapping[str, Any]) -> bytes:
    """The WebAuthn challenge for a ballot: SHA-256 of its canonical JSON."""
    return hashlib.sha256(canonical_json(payload)).digest()


@dataclass(frozen=True)
class BallotEvidence:
    """Everything needed to re-verify one ballot."""

    payload: dict[str, Any]
    authenticator_data: bytes
    client_data_json: bytes
    signature: bytes
    public_key_spki_pem: str

    @classmethod
    def from_assertion_json(
        cls, payload: Mapping[str, Any], credential: Mapping[str, Any], public_key_spki_pem: str
    ) -> BallotEvidence:
        """Build evidence from a browser's `credential.toJSON()` of the vote's assertion."""
        response = credential["response"]
        return cls(
            payload=dict(payload),
            authenticator_data=_b64url_decode(response["authenticatorData"]),
            client_data_json=_b64url_decode(response["clientDataJSON"]),
            signature=_b64url_decode(response["signature"]),
            public_key_spki_pem=public_key_spki_pem,
        )


def verify_ballot_evidence(
    evidence: BallotEvidence, *, expected_origin: str, expected_rp_id: str
) -> None:
    """Raise `EvidenceError` unless the evidence proves a user-verified vote for the payload."""
    _check_client_data(
        evidence.client_data_json,
        ballot_challenge(evidence.payload),
        expected_origin,
        mismatch="challenge mismatch: clientDataJSON challenge is not base64url(SHA-256("
        "canonical JSON of the ballot payload)); the payload differs from the one "
        "that was signed",
    )
    _check_authenticator_data(evidence.authenticator_data, expected_rp_id)
    _check_signature(evidence)


def verify_challenge_assertion(
    *,
    challenge: bytes,
    authenticator_data: bytes,
    client_data_json: bytes,
    signature: bytes,
    public_key_spki_pem: str,
    expected_origin: str,
    expected_rp_id: str,
) -> None:
    """The same checks for an assertion over a given challenge rather than a ballot: the
    chair's approval of minutes signs SHA-256 of the PDF itself."""
    _check_client_data(client_data_json, challenge, expected_origin)
    _check_authenticator_data(authenticator_data, expected_rp_id)
    _check_signature(
        BallotEvidence({}, authenticator_data, client_data_json, signature, public_key_spki_pem)
    )


# ---------------------------------------------------------------------------- steps


def _check_client_data(
    client_data_json: bytes, challenge: bytes, expected_origin: str, **mismatch: str
) -> None:
    # The server ran this very function when the passkey answered (ballots/client_data.py):
    # what it accepted then, this verifier accepts now.
    try:
        client_data.check_client_data(
            client_data_json,
            expected_type="webauthn.get",
            expected_challenge=challenge,
            expected_origin=expected_origin,
            **mismatch,
        )
    except client_data.ClientDataError as exc:
        raise EvidenceError(str(exc)) from exc


def _check_authenticator_data(authenticator_data: bytes, expected_rp_id: str) -> None:
    if len(authenticator_data) < MIN_AUTHENTICATOR_DATA_LENGTH:
        raise EvidenceError(
            f"authenticatorData is {len(authenticator_data)} bytes, shorter than the "
            f"{MIN_AUTHENTICATOR_DATA_LENGTH} of rpIdHash, flags and signCount"
        )
    expected_hash = hashlib.sha256(expected_rp_id.encode("utf-8")).digest()
    if authenticator_data[:32] != expected_hash:
        raise EvidenceError(
            f"rpIdHash mismatch: authenticatorData rpIdHash is not SHA-256 of RP ID "
            f"{expected_rp_id!r}"
        )
    flags = authenticator_data[32]
    if not flags & FLAG_UP:
        raise EvidenceError("user presence flag (UP) is not set in authenticatorData")
    if not flags & FLAG_UV:
        raise EvidenceError(
            "user verification flag (UV) is not set in authenticatorData: the voter was not "
            "verified by PIN or biometrics"
        )


def _check_signature(evidence: BallotEvidence) -> None:
    public_key = _load_public_key(evidence.public_key_spki_pem)
    signed_data = evidence.authenticator_data + hashlib.sha256(evidence.client_data_json).digest()
    try:
        _verify(public_key, evidence.signature, signed_data)
    except (InvalidSignature, ValueError) as exc:
        raise EvidenceError(
            f"signature invalid: the {_describe(public_key)} signature over authenticatorData "
            "|| SHA-256(clientDataJSON) does not verify with the voter's public key"
        ) from exc


# ---------------------------------------------------------------------------- keys

_PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey


def _load_public_key(spki_pem: str) -> _PublicKey:
    try:
        public_key = serialization.load_pem_public_key(spki_pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError, UnsupportedAlgorithm) as exc:
        raise EvidenceError(f"public key is not a readable SPKI PEM: {exc}") from exc
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        if not isinstance(public_key.curve, ec.SECP256R1):
            raise EvidenceError(
                f"public key is on curve {public_key.curve.name}; ES256 requires P-256"
            )
        return public_key
    if isinstance(public_key, ed25519.Ed25519PublicKey | rsa.RSAPublicKey):
        return public_key
    raise EvidenceError(
        f"public key type {type(public_key).__name__} is not Ed25519, EC P-256 or RSA"
    )


def _verify(public_key: _PublicKey, signature: bytes, data: bytes) -> None:
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        public_key.verify(signature, data)
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))  # DER-encoded (r, s)
    else:
        public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())


def _describe(public_key: _PublicKey) -> str:
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return "ECDSA P-256 SHA-256"
    return "RSA PKCS#1 v1.5 SHA-256"


def _b64url_decode(text: str) -> bytes:
    return client_data.b64url_decode_strict(text)

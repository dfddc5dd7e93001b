"""Offline ballot evidence: a signed ballot verifies; each kind of tampering is named."""

from __future__ import annotations

import dataclasses
import functools
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecabinet.ballots.evidence import (
    BallotEvidence,
    EvidenceError,
    ballot_challenge,
    canonical_json,
    verify_ballot_evidence,
)
from ecabinet.softauthn import Algorithm, SoftAuthenticator, b64url, b64url_decode

ORIGIN = "https://cabinet.gov.example"
RP_ID = "gov.example"
PAYLOAD: dict[str, Any] = {
    "meeting_id": 12,
    "motion_id": 7,
    "member_id": 3,
    "choice": "yes",
    "cast_at": "2025-11-23T10:15:00+07:00",
    "note": "Đồng ý",
}


def new_voter(alg: Algorithm = "ES256") -> tuple[SoftAuthenticator, bytes]:
    authenticator = SoftAuthenticator(origin=ORIGIN, rp_id=RP_ID, alg=alg)
    options = {
        "challenge": b64url(b"registration challenge"),
        "rp": {"id": RP_ID, "name": "e-Cabinet"},
        "user": {"id": b64url(b"member-3"), "name": "member3", "displayName": "Member 3"},
        "pubKeyCredParams": [{"type": "public-key", "alg": alg_id} for alg_id in (-7, -8, -257)],
    }
    credential = authenticator.register(options)
    return authenticator, b64url_decode(credential["rawId"])


@functools.cache
def shared_voter() -> tuple[SoftAuthenticator, bytes]:
    # Hypothesis runs many examples in one test; one key pair is enough for all of them.
    return new_voter()


def sign_ballot(
    voter: tuple[SoftAuthenticator, bytes], payload: dict[str, Any], **switches: Any
) -> BallotEvidence:
    authenticator, credential_id = voter
    assertion = authenticator.assert_challenge(ballot_challenge(payload), **switches)
    return BallotEvidence.from_assertion_json(
        payload, assertion, authenticator.public_key_spki_pem(credential_id)
    )


def verify(evidence: BallotEvidence, *, origin: str = ORIGIN, rp_id: str = RP_ID) -> None:
    verify_ballot_evidence(evidence, expected_origin=origin, expected_rp_id=rp_id)


@pytest.mark.parametrize("alg", ["ES256", "Ed25519", "RS256"])
def test_signed_ballot_verifies(alg: Algorithm) -> None:
    verify(sign_ballot(new_voter(alg), PAYLOAD))


def test_changed_payload_field_is_a_challenge_mismatch() -> None:
    evidence = sign_ballot(shared_voter(), PAYLOAD)
    tampered = dataclasses.replace(evidence, payload={**PAYLOAD, "choice": "no"})

    with pytest.raises(EvidenceError, match="challenge mismatch"):
        verify(tampered)


@pytest.mark.parametrize("alg", ["ES256", "Ed25519", "RS256"])
def test_flipped_signature_byte_is_an_invalid_signature(alg: Algorithm) -> None:
    evidence = sign_ballot(new_voter(alg), PAYLOAD)
    signature = bytearray(evidence.signature)
    signature[len(signature) // 2] ^= 0x01
    tampered = dataclasses.replace(evidence, signature=bytes(signature))

    with pytest.raises(EvidenceError, match="signature invalid"):
        verify(tampered)


def test_signature_by_another_key_is_an_invalid_signature() -> None:
    evidence = sign_ballot(shared_voter(), PAYLOAD)
    other_authenticator, other_id = new_voter()
    other_key = other_authenticator.public_key_spki_pem(other_id)

    with pytest.raises(EvidenceError, match="signature invalid"):
        verify(dataclasses.replace(evidence, public_key_spki_pem=other_key))


def test_user_not_verified_is_refused() -> None:
    evidence = sign_ballot(shared_voter(), PAYLOAD, user_verified=False)

    with pytest.raises(EvidenceError, match=r"user verification flag \(UV\) is not set"):
        verify(evidence)


def test_user_not_present_is_refused() -> None:
    evidence = sign_ballot(shared_voter(), PAYLOAD, user_present=False)

    with pytest.raises(EvidenceError, match=r"user presence flag \(UP\) is not set"):
        verify(evidence)


def test_ballot_signed_on_another_origin_is_refused() -> None:
    evidence = sign_ballot(shared_voter(), PAYLOAD, origin="https://phish.example")

    with pytest.raises(EvidenceError, match=r"origin mismatch.*https://phish\.example"):
        verify(evidence)


def test_verifying_against_another_origin_is_refused() -> None:
    evidence = sign_ballot(shared_voter(), PAYLOAD)

    with pytest.raises(EvidenceError, match="origin mismatch"):
        verify(evidence, origin="https://other.gov.example")


def test_wrong_rp_id_is_an_rp_id_hash_mismatch() -> None:
    evidence = sign_ballot(shared_voter(), PAYLOAD)

    with pytest.raises(EvidenceError, match=r"rpIdHash mismatch.*'other\.example'"):
        verify(evidence, rp_id="other.example")


def test_registration_client_data_is_not_a_ballot() -> None:
    evidence = sign_ballot(shared_voter(), PAYLOAD)
    client_data = json.loads(evidence.client_data_json)
    client_data["type"] = "webauthn.create"
    tampered = dataclasses.replace(evidence, client_data_json=json.dumps(client_data).encode())

    with pytest.raises(EvidenceError, match=r"type is 'webauthn\.create'.*'webauthn\.get'"):
        verify(tampered)


def test_cross_origin_client_data_is_refused() -> None:
    evidence = sign_ballot(shared_voter(), PAYLOAD)
    client_data = json.loads(evidence.client_data_json)
    client_data["crossOrigin"] = True
    tampered = dataclasses.replace(evidence, client_data_json=json.dumps(client_data).encode())

    with pytest.raises(EvidenceError, match="crossOrigin"):
        verify(tampered)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("client_data_json", b"\xff not json", "clientDataJSON is not valid UTF-8 JSON"),
        ("client_data_json", b"[]", "not a JSON object"),
        ("client_data_json", b'{"type": "webauthn.get"}', "no string member 'challenge'"),
        ("authenticator_data", b"\x00" * 36, "authenticatorData is 36 bytes"),
        ("public_key_spki_pem", "not a key", "not a readable SPKI PEM"),
    ],
)
def test_malformed_evidence_is_named(field: str, value: Any, message: str) -> None:
    evidence = sign_ballot(shared_voter(), PAYLOAD)

    with pytest.raises(EvidenceError, match=message):
        verify(dataclasses.replace(evidence, **{field: value}))


def test_evidence_error_is_a_value_error() -> None:
    assert issubclass(EvidenceError, ValueError)


def test_canonical_json_is_sorted_compact_utf8() -> None:
    assert canonical_json({"b": 1, "a": "Đ"}) == '{"a":"Đ","b":1}'.encode()


def test_canonical_json_refuses_nan() -> None:
    with pytest.raises(ValueError, match="JSON compliant"):
        canonical_json({"x": float("nan")})


json_payloads = st.dictionaries(
    st.text(max_size=12), st.text(max_size=24) | st.integers(), max_size=8
)


@settings(deadline=None, max_examples=60)
@given(json_payloads)
def test_any_signed_payload_verifies(payload: dict[str, Any]) -> None:
    verify(sign_ballot(shared_voter(), payload))


@given(json_payloads, st.randoms(use_true_random=False))
def test_canonical_form_ignores_key_order(payload: dict[str, Any], random: Any) -> None:
    items = list(payload.items())
    random.shuffle(items)
    reordered = dict(items)

    assert canonical_json(reordered) == canonical_json(payload)
    assert ballot_challenge(reordered) == ballot_challenge(payload)

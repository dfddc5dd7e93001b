"""The soft authenticator against py_webauthn: accepted when honest, refused per switch."""

from __future__ import annotations

import json
from typing import Any

import cbor2
import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import given
from hypothesis import strategies as st
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import decode_credential_public_key, decoded_public_key_to_cryptography
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import PublicKeyCredentialDescriptor

from ecabinet.softauthn import (
    Algorithm,
    SoftAuthenticator,
    SoftAuthenticatorError,
    b64url,
    b64url_decode,
    cbor_encode,
)

ORIGIN = "http://localhost:8000"
RP_ID = "localhost"
USER_ID = b"member-0001"
ALGORITHMS: list[Algorithm] = ["ES256", "Ed25519", "RS256"]
COSE_IDS: dict[Algorithm, COSEAlgorithmIdentifier] = {
    "ES256": COSEAlgorithmIdentifier.ECDSA_SHA_256,
    "Ed25519": COSEAlgorithmIdentifier.EDDSA,
    "RS256": COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256,
}


def registration_options(alg: Algorithm = "ES256") -> tuple[dict[str, Any], bytes]:
    options = generate_registration_options(
        rp_id=RP_ID,
        rp_name="e-Cabinet",
        user_id=USER_ID,
        user_name="member1",
        supported_pub_key_algs=[COSE_IDS[alg]],
    )
    return json.loads(options_to_json(options)), options.challenge


def authentication_options(credential_id: bytes | None = None) -> tuple[dict[str, Any], bytes]:
    allow = [] if credential_id is None else [PublicKeyCredentialDescriptor(id=credential_id)]
    options = generate_authentication_options(rp_id=RP_ID, allow_credentials=allow)
    return json.loads(options_to_json(options)), options.challenge


def registered(alg: Algorithm = "ES256") -> tuple[SoftAuthenticator, bytes, bytes]:
    """An authenticator with one verified credential: (authenticator, id, COSE public key)."""
    authenticator = SoftAuthenticator(origin=ORIGIN, rp_id=RP_ID, alg=alg)
    options, challenge = registration_options(alg)
    verified = verify_registration_response(
        credential=authenticator.register(options),
        expected_challenge=challenge,
        expected_rp_id=RP_ID,
        expected_origin=ORIGIN,
        require_user_verification=True,
    )
    return authenticator, verified.credential_id, verified.credential_public_key


def verify_assertion(
    credential: dict[str, Any], challenge: bytes, public_key: bytes, current_count: int = 0
) -> int:
    verified = verify_authentication_response(
        credential=credential,
        expected_challenge=challenge,
        expected_rp_id=RP_ID,
        expected_origin=ORIGIN,
        credential_public_key=public_key,
        credential_current_sign_count=current_count,
        require_user_verification=True,
    )
    return verified.new_sign_count


# ---------------------------------------------------------------------------- registration


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_registration_is_accepted_with_user_verification_required(alg: Algorithm) -> None:
    authenticator, credential_id, cose_key = registered(alg)

    assert set(authenticator.credentials) == {credential_id}
    assert authenticator.credentials[credential_id].user_handle == USER_ID
    assert authenticator.public_key_cose(credential_id) == cose_key


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_spki_pem_is_the_registered_key(alg: Algorithm) -> None:
    authenticator, credential_id, cose_key = registered(alg)
    from_py_webauthn = decoded_public_key_to_cryptography(decode_credential_public_key(cose_key))
    spki = serialization.PublicFormat.SubjectPublicKeyInfo

    assert authenticator.public_key_spki_pem(credential_id) == from_py_webauthn.public_bytes(
        serialization.Encoding.PEM, spki
    ).decode("ascii")


def test_registration_json_has_the_browser_shape() -> None:
    authenticator = SoftAuthenticator(origin=ORIGIN, rp_id=RP_ID)
    options, _ = registration_options()
    credential = authenticator.register(options)

    assert credential["id"] == credential["rawId"]
    assert "=" not in credential["id"]
    assert credential["type"] == "public-key"
    assert credential["authenticatorAttachment"] == "platform"
    assert credential["clientExtensionResults"] == {}
    assert credential["response"]["transports"] == ["internal"]
    attestation = cbor2.loads(b64url_decode(credential["response"]["attestationObject"]))
    assert attestation["fmt"] == "none"
    assert attestation["attStmt"] == {}
    flags = attestation["authData"][32]
    assert flags == 0x01 | 0x04 | 0x40  # UP | UV | AT, no BE/BS


def test_registration_without_user_verification_is_refused() -> None:
    authenticator = SoftAuthenticator(origin=ORIGIN, rp_id=RP_ID)
    options, challenge = registration_options()

    with pytest.raises(InvalidRegistrationResponse, match="User verification is required"):
        verify_registration_response(
            credential=authenticator.register(options, user_verified=False),
            expected_challenge=challenge,
            expected_rp_id=RP_ID,
            expected_origin=ORIGIN,
            require_user_verification=True,
        )


def test_registration_from_another_origin_is_refused() -> None:
    authenticator = SoftAuthenticator(origin=ORIGIN, rp_id=RP_ID)
    options, challenge = registration_options()

    with pytest.raises(InvalidRegistrationResponse, match="origin"):
        verify_registration_response(
            credential=authenticator.register(options, origin="http://evil.localhost:8000"),
            expected_challenge=challenge,
            expected_rp_id=RP_ID,
            expected_origin=ORIGIN,
            require_user_verification=True,
        )


def test_registration_for_another_challenge_is_refused() -> None:
    authenticator = SoftAuthenticator(origin=ORIGIN, rp_id=RP_ID)
    options, _ = registration_options()
    _, other_challenge = registration_options()

    with pytest.raises(InvalidRegistrationResponse, match="challenge"):
        verify_registration_response(
            credential=authenticator.register(options),
            expected_challenge=other_challenge,
            expected_rp_id=RP_ID,
            expected_origin=ORIGIN,
            require_user_verification=True,
        )


def test_registration_with_another_rp_id_hash_is_refused() -> None:
    authenticator = SoftAuthenticator(origin=ORIGIN, rp_id=RP_ID)
    options, challenge = registration_options()

    with pytest.raises(InvalidRegistrationResponse, match="RP ID hash"):
        verify_registration_response(
            credential=authenticator.register(options, rp_id="example.org"),
            expected_challenge=challenge,
            expected_rp_id=RP_ID,
            expected_origin=ORIGIN,
        )


def test_algorithm_not_offered_is_not_supported() -> None:
    authenticator = SoftAuthenticator(origin=ORIGIN, rp_id=RP_ID, alg="Ed25519")
    options, _ = registration_options("ES256")

    with pytest.raises(SoftAuthenticatorError, match="NotSupportedError"):
        authenticator.register(options)


def test_excluded_credential_is_not_registered_twice() -> None:
    authenticator, credential_id, _ = registered()
    options, _ = registration_options()
    options["excludeCredentials"] = [{"id": b64url(credential_id), "type": "public-key"}]

    with pytest.raises(SoftAuthenticatorError, match="InvalidStateError"):
        authenticator.register(options)


def test_rp_id_must_belong_to_origin() -> None:
    with pytest.raises(ValueError, match="not the host"):
        SoftAuthenticator(origin="http://127.0.0.1:8000", rp_id="localhost")
    authenticator = SoftAuthenticator(origin="https://vote.gov.example", rp_id="gov.example")
    options, _ = registration_options()  # rp.id is "localhost"

    with pytest.raises(SoftAuthenticatorError, match="SecurityError"):
        authenticator.register(options)


# ---------------------------------------------------------------------------- authentication


@pytest.mark.parametrize("alg", ALGORITHMS)
def test_assertion_is_accepted_and_counts_up(alg: Algorithm) -> None:
    authenticator, credential_id, public_key = registered(alg)

    options, challenge = authentication_options(credential_id)
    first = verify_assertion(authenticator.assert_(options), challenge, public_key)
    options, challenge = authentication_options(credential_id)
    second = verify_assertion(authenticator.assert_(options), challenge, public_key, first)

    assert (first, second) == (1, 2)
    assert authenticator.credentials[credential_id].sign_count == 2


def test_discoverable_assertion_returns_the_user_handle() -> None:
    authenticator, credential_id, public_key = registered()
    options, challenge = authentication_options()  # empty allowCredentials

    assertion = authenticator.assert_(options)

    assert options["allowCredentials"] == []
    assert b64url_decode(assertion["rawId"]) == credential_id
    assert b64url_decode(assertion["response"]["userHandle"]) == USER_ID
    assert verify_assertion(assertion, challenge, public_key) == 1


def test_several_discoverable_credentials_need_a_choice() -> None:
    authenticator, first_id, first_key = registered()
    options, _ = registration_options()
    authenticator.register(options)
    options, challenge = authentication_options()

    with pytest.raises(SoftAuthenticatorError, match="credential_id"):
        authenticator.assert_(options)
    assertion = authenticator.assert_(options, credential_id=first_id)
    assert verify_assertion(assertion, challenge, first_key) == 1


def test_unknown_credential_is_not_allowed() -> None:
    authenticator, _, _ = registered()
    options, _ = authentication_options(b"\x00" * 32)

    with pytest.raises(SoftAuthenticatorError, match="NotAllowedError"):
        authenticator.assert_(options)


def test_assertion_without_user_verification_is_refused() -> None:
    authenticator, credential_id, public_key = registered()
    authenticator.user_verified = False  # the "fingerprint" is off for every call
    options, challenge = authentication_options(credential_id)

    with pytest.raises(InvalidAuthenticationResponse, match="User verification is required"):
        verify_assertion(authenticator.assert_(options), challenge, public_key)


def test_assertion_without_user_presence_is_refused() -> None:
    authenticator, credential_id, public_key = registered()
    options, challenge = authentication_options(credential_id)

    with pytest.raises(InvalidAuthenticationResponse, match="not present"):
        verify_assertion(authenticator.assert_(options, user_present=False), challenge, public_key)


def test_assertion_from_another_origin_is_refused() -> None:
    authenticator, credential_id, public_key = registered()
    options, challenge = authentication_options(credential_id)
    assertion = authenticator.assert_(options, origin="https://phish.example")

    with pytest.raises(InvalidAuthenticationResponse, match="origin"):
        verify_assertion(assertion, challenge, public_key)


def test_assertion_for_another_challenge_is_refused() -> None:
    authenticator, credential_id, public_key = registered()
    _, expected_challenge = authentication_options(credential_id)

    assertion = authenticator.assert_challenge(b"a different challenge")

    with pytest.raises(InvalidAuthenticationResponse, match="challenge"):
        verify_assertion(assertion, expected_challenge, public_key)


def test_sign_count_going_backwards_is_refused() -> None:
    authenticator, credential_id, public_key = registered()
    for _ in range(3):
        authenticator.assert_challenge(b"warm-up")  # the counter is now 3

    assertion = authenticator.assert_challenge(b"cloned", sign_count=1)

    with pytest.raises(InvalidAuthenticationResponse, match="sign count"):
        verify_assertion(assertion, b"cloned", public_key, current_count=3)
    assert authenticator.credentials[credential_id].sign_count == 3


def test_replayed_assertion_is_refused_by_its_sign_count() -> None:
    # A replay is the same response posted twice. The server's one-time challenge is the
    # first defence; py_webauthn alone still refuses it because the count did not advance.
    authenticator, _, public_key = registered()
    new_count = verify_assertion(authenticator.assert_challenge(b"vote"), b"vote", public_key)

    with pytest.raises(InvalidAuthenticationResponse, match="sign count"):
        verify_assertion(authenticator.replay_last_assertion(), b"vote", public_key, new_count)


def test_replay_before_any_assertion_is_an_error() -> None:
    authenticator = SoftAuthenticator(origin=ORIGIN, rp_id=RP_ID)

    with pytest.raises(SoftAuthenticatorError):
        authenticator.replay_last_assertion()


def test_assertion_signed_by_another_key_is_refused() -> None:
    authenticator, _, _ = registered()
    _, _, other_public_key = registered()

    with pytest.raises(InvalidAuthenticationResponse, match="signature"):
        verify_assertion(authenticator.assert_challenge(b"vote"), b"vote", other_public_key)


# ---------------------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    ("value", "expected_hex"),
    [  # RFC 8949, Appendix A
        (0, "00"),
        (23, "17"),
        (24, "1818"),
        (100, "1864"),
        (1000, "1903e8"),
        (1000000, "1a000f4240"),
        (1000000000000, "1b000000e8d4a51000"),
        (-1, "20"),
        (-10, "29"),
        (-100, "3863"),
        (-1000, "3903e7"),
        (False, "f4"),
        (True, "f5"),
        ("", "60"),
        ("IETF", "6449455446"),
        ("\u00fc", "62c3bc"),
        (b"", "40"),
        (b"\x01\x02\x03\x04", "4401020304"),
        ([], "80"),
        ([1, [2, 3], [4, 5]], "8301820203820405"),
        ({}, "a0"),
        ({1: 2, 3: 4}, "a201020304"),
        ({"a": 1, "b": [2, 3]}, "a26161016162820203"),
    ],
)
def test_cbor_matches_rfc_8949_examples(value: Any, expected_hex: str) -> None:
    assert cbor_encode(value).hex() == expected_hex


def test_cbor_maps_are_in_ctap2_canonical_order() -> None:
    encoded = cbor_encode({"authData": b"", "fmt": "none", -1: 0, "attStmt": {}, 3: 0})

    assert list(cbor2.loads(encoded)) == [3, -1, "fmt", "attStmt", "authData"]


cbor_values = st.recursive(
    st.integers(min_value=-(2**64), max_value=2**64 - 1) | st.binary() | st.text() | st.booleans(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.integers(-1000, 1000) | st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@given(cbor_values)
def test_cbor_round_trips_through_cbor2(value: Any) -> None:
    assert cbor2.loads(cbor_encode(value)) == value


@given(st.binary())
def test_b64url_round_trips_without_padding(data: bytes) -> None:
    encoded = b64url(data)

    assert "=" not in encoded
    assert "+" not in encoded and "/" not in encoded
    assert b64url_decode(encoded) == data

"""A software WebAuthn authenticator (a "passkey" held in memory).

CLIENT CODE ONLY. It exists for the test suite, the load benchmarks and the scripted demo
client. The running server must never import this module: a server that can mint passkey
responses itself proves nothing about its members' votes.

`SoftAuthenticator` plays the browser and the authenticator together. It makes real key
pairs (ES256, Ed25519 or RS256) and answers py_webauthn's options (as produced by
`options_to_json`, then parsed back into a dict) with the same JSON a browser's
`credential.toJSON()` gives, so py_webauthn's `verify_registration_response` and
`verify_authentication_response` accept it unchanged.

Switches to provoke refusals (each is a keyword argument of `register` / `assert_`):

* `user_verified=False` clears the UV flag (no "fingerprint");
* `user_present=False` clears the UP flag;
* `origin="https://evil.example"` writes another origin into clientDataJSON;
* `rp_id="other.example"` writes SHA-256 of another RP ID into authenticatorData;
* `sign_count=N` (assertions) reports N instead of the next counter value, e.g. a count
  going backwards as a cloned key would; the stored counter is left unchanged;
* `client_data_form=` (assertions) writes clientDataJSON in a lenient form that
  py_webauthn accepts and the offline verifier rejects: `"cross-origin"` (crossOrigin
  true), `"junk-challenge"` (a "!" inside the base64url challenge), `"utf-16"` or `"bom"`
  (a UTF-8 byte order mark first).

Attestation (the `attestation` argument of the constructor): "none" (the default), "self"
(packed self attestation: the credential key signs, no certificate), or a
`PackedAttestation`: a maker's attestation key and certificate chain, as a real
authenticator holds. `make_vendor()` makes a test maker (root CA, attestation certificate
naming the AAGUID); a "liar" is simply a device claiming a listed AAGUID with "none",
"self", or a chain from a maker nobody trusts.

`user_verified` and `user_present` are also instance attributes, the defaults for every call.

Replaying: a replay is simply the same response submitted twice. Keep the dict that
`assert_` returned (or call `replay_last_assertion()` for a copy of it) and post it again;
the server must refuse it because its challenge was already used.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import secrets
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TypeAlias
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import NameOID

Algorithm: TypeAlias = Literal["ES256", "Ed25519", "RS256"]
# Lenient clientDataJSON forms that py_webauthn accepts and the offline verifier rejects.
ClientDataForm: TypeAlias = Literal["strict", "cross-origin", "junk-challenge", "utf-16", "bom"]
PrivateKey: TypeAlias = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey
CborValue: TypeAlias = (
    bool | int | str | bytes | Sequence["CborValue"] | Mapping[int | str, "CborValue"]
)

COSE_ALGORITHM_IDS: dict[Algorithm, int] = {"ES256": -7, "Ed25519": -8, "RS256": -257}

# Authenticator data flag bits (WebAuthn §6.1).
FLAG_UP = 0x01  # user present
FLAG_UV = 0x04  # user verified
FLAG_AT = 0x40  # attested credential data included

RSA_KEY_BITS = 2048


class SoftAuthenticatorError(Exception):
    """What a browser would reject before ever reaching the authenticator."""


# ---------------------------------------------------------------------------- base64url


def b64url(data: bytes) -> str:
    """Base64url without padding, as WebAuthn's JSON uses."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(s: str) -> bytes:
    """Inverse of `b64url`; padding is optional."""
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


# ---------------------------------------------------------------------------- CBOR


def cbor_encode(value: CborValue) -> bytes:
    """Encode the small subset of CBOR (RFC 8949) that WebAuthn needs.

    Maps are written in CTAP2 canonical order (shorter encoded key first, then bytewise),
    as real authenticators do.
    """
    # bool before int: bool is a subclass of int but a different CBOR type.
    if isinstance(value, bool):
        return b"\xf5" if value else b"\xf4"
    if isinstance(value, int):
        return _cbor_head(0, value) if value >= 0 else _cbor_head(1, -1 - value)
    if isinstance(value, bytes):
        return _cbor_head(2, len(value)) + value
    if isinstance(value, str):
        utf8 = value.encode("utf-8")
        return _cbor_head(3, len(utf8)) + utf8
    if isinstance(value, Mapping):
        return _cbor_map(value)
    if isinstance(value, Sequence):
        return _cbor_head(4, len(value)) + b"".join(cbor_encode(item) for item in value)
    raise TypeError(f"cannot CBOR-encode {type(value).__name__}")


def _cbor_head(major_type: int, argument: int) -> bytes:
    if argument < 24:
        return bytes([major_type << 5 | argument])
    for additional_info, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if argument < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major_type << 5 | additional_info]) + struct.pack(fmt, argument)
    raise ValueError("integer does not fit in 64 bits (CBOR bignums are not supported)")


def _cbor_map(mapping: Mapping[int | str, CborValue]) -> bytes:
    encoded_items = [(cbor_encode(key), cbor_encode(value)) for key, value in mapping.items()]
    encoded_items.sort(key=lambda item: (len(item[0]), item[0]))
    body = b"".join(key + value for key, value in encoded_items)
    return _cbor_head(5, len(mapping)) + body


# ---------------------------------------------------------------------------- keys


def _generate_private_key(alg: Algorithm) -> PrivateKey:
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if alg == "Ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    return rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_BITS)


def _cose_public_key(private_key: PrivateKey) -> bytes:
    """The credential public key in COSE_Key form (RFC 9052/9053, RFC 8230)."""
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        numbers = private_key.public_key().public_numbers()
        return cbor_encode(
            {
                1: 2,  # kty: EC2
                3: COSE_ALGORITHM_IDS["ES256"],
                -1: 1,  # crv: P-256
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        raw = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        # kty: OKP, crv: Ed25519
        return cbor_encode({1: 1, 3: COSE_ALGORITHM_IDS["Ed25519"], -1: 6, -2: raw})
    rsa_numbers = private_key.public_key().public_numbers()
    return cbor_encode(
        {
            1: 3,  # kty: RSA
            3: COSE_ALGORITHM_IDS["RS256"],
            -1: _unsigned_big_endian(rsa_numbers.n),
            -2: _unsigned_big_endian(rsa_numbers.e),
        }
    )


def _unsigned_big_endian(number: int) -> bytes:
    return number.to_bytes((number.bit_length() + 7) // 8, "big")


def _sign(private_key: PrivateKey, data: bytes) -> bytes:
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return private_key.sign(data, ec.ECDSA(hashes.SHA256()))  # DER, as WebAuthn wants
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return private_key.sign(data)
    return private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def _spki_der(private_key: PrivateKey) -> bytes:
    return private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


# ---------------------------------------------------------------------------- WebAuthn data


def _client_data_json(
    ceremony_type: str, challenge_b64url: str, origin: str, form: ClientDataForm = "strict"
) -> bytes:
    # Re-encode the challenge as a browser does: it decodes the options and encodes the
    # bytes again, so padded or otherwise odd input comes out canonical.
    challenge = b64url(b64url_decode(challenge_b64url))
    if form == "junk-challenge":
        challenge = challenge[:10] + "!" + challenge[10:]  # lenient decoders skip the "!"
    client_data = {
        "type": ceremony_type,
        "challenge": challenge,
        "origin": origin,
        "crossOrigin": form == "cross-origin",
    }
    text = json.dumps(client_data, separators=(",", ":"))
    if form == "utf-16":
        return text.encode("utf-16")
    if form == "bom":
        return text.encode("utf-8-sig")
    return text.encode("utf-8")


def _authenticator_data(rp_id: str, flags: int, sign_count: int) -> bytes:
    rp_id_hash = hashlib.sha256(rp_id.encode("utf-8")).digest()
    return rp_id_hash + bytes([flags]) + struct.pack(">I", sign_count)


def _attested_credential_data(aaguid: bytes, credential_id: bytes, cose_key: bytes) -> bytes:
    return aaguid + struct.pack(">H", len(credential_id)) + credential_id + cose_key


def _check_origin_serves_rp_id(origin: str, rp_id: str) -> None:
    # Browsers refuse an RP ID that is not the origin's host or a parent domain of it.
    host = urlsplit(origin).hostname or ""
    if host != rp_id and not host.endswith("." + rp_id):
        raise ValueError(f"rp_id {rp_id!r} is not the host of origin {origin!r} or a parent of it")


@dataclass(frozen=True)
class PackedAttestation:
    """A maker's attestation key and its certificate chain (DER, leaf first, root not
    included, as authenticators send it)."""

    private_key: ec.EllipticCurvePrivateKey
    chain: tuple[bytes, ...]


@dataclass(frozen=True)
class Vendor:
    """A test authenticator maker: its root certificate (what a body trusts) and the
    attestation its devices carry."""

    root_pem: bytes
    attestation: PackedAttestation


AAGUID_EXTENSION_OID = x509.ObjectIdentifier("1.3.6.1.4.1.45724.1.1.4")


def make_vendor(name: str, aaguid: bytes) -> Vendor:
    """A root CA for ``name`` and a packed attestation certificate it issues for the model
    ``aaguid`` (subject and extensions as WebAuthn §8.2.1 asks)."""
    now = datetime.now(UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{name} Root CA"),
        ]
    )
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(root_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Authenticator Attestation"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{name} batch"),
        ]
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(root_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.UnrecognizedExtension(AAGUID_EXTENSION_OID, b"\x04\x10" + aaguid), critical=False
        )
        .sign(root_key, hashes.SHA256())
    )
    return Vendor(
        root.public_bytes(serialization.Encoding.PEM),
        PackedAttestation(key, (leaf.public_bytes(serialization.Encoding.DER),)),
    )


@dataclass
class SoftCredential:
    """One passkey held by the soft authenticator."""

    credential_id: bytes
    private_key: PrivateKey
    algorithm: Algorithm
    rp_id: str
    user_handle: bytes
    sign_count: int = 0


class SoftAuthenticator:
    """A browser plus platform authenticator bound to one origin and RP ID."""

    def __init__(
        self,
        *,
        origin: str,
        rp_id: str,
        alg: Algorithm = "ES256",
        aaguid: bytes = bytes(16),
        user_verified: bool = True,
        user_present: bool = True,
        attestation: Literal["none", "self"] | PackedAttestation = "none",
    ) -> None:
        _check_origin_serves_rp_id(origin, rp_id)
        if len(aaguid) != 16:
            raise ValueError("aaguid must be 16 bytes")
        if alg not in COSE_ALGORITHM_IDS:
            raise ValueError(f"unsupported algorithm {alg!r}")
        self.origin = origin
        self.rp_id = rp_id
        self.alg: Algorithm = alg
        self.aaguid = aaguid
        self.user_verified = user_verified
        self.user_present = user_present
        self.attestation = attestation
        self.credentials: dict[bytes, SoftCredential] = {}
        self.last_assertion: dict[str, Any] | None = None

    # -------------------------------------------------------------- registration

    def register(
        self,
        options: Mapping[str, Any],
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        user_verified: bool | None = None,
        user_present: bool | None = None,
    ) -> dict[str, Any]:
        """Answer `navigator.credentials.create()` options with a new credential (JSON form).

        `rp_id` writes the hash of another RP ID into authenticatorData (a refusal test);
        the other overrides are described in the module docstring.
        """
        requested_rp_id = self._requested_rp_id(options.get("rp", {}).get("id"))
        self._check_algorithm_offered(options.get("pubKeyCredParams"))
        self._check_not_excluded(options.get("excludeCredentials") or [])
        credential = SoftCredential(
            credential_id=secrets.token_bytes(32),
            private_key=_generate_private_key(self.alg),
            algorithm=self.alg,
            rp_id=requested_rp_id,
            user_handle=b64url_decode(options["user"]["id"]),
        )
        flags = self._flags(user_verified, user_present) | FLAG_AT
        authenticator_data = _authenticator_data(
            rp_id or requested_rp_id, flags, credential.sign_count
        ) + _attested_credential_data(
            self.aaguid, credential.credential_id, _cose_public_key(credential.private_key)
        )
        client_data_json = _client_data_json(
            "webauthn.create", options["challenge"], origin or self.origin
        )
        self.credentials[credential.credential_id] = credential
        return self._registration_json(credential, client_data_json, authenticator_data)

    def _attestation_object(
        self, credential: SoftCredential, client_data_json: bytes, authenticator_data: bytes
    ) -> bytes:
        signed = authenticator_data + hashlib.sha256(client_data_json).digest()
        if self.attestation == "none":
            statement: dict[int | str, CborValue] = {}
            fmt = "none"
        elif self.attestation == "self":
            fmt = "packed"
            statement = {
                "alg": COSE_ALGORITHM_IDS[credential.algorithm],
                "sig": _sign(credential.private_key, signed),
            }
        else:
            fmt = "packed"
            statement = {
                "alg": COSE_ALGORITHM_IDS["ES256"],
                "sig": _sign(self.attestation.private_key, signed),
                "x5c": list(self.attestation.chain),
            }
        return cbor_encode({"fmt": fmt, "attStmt": statement, "authData": authenticator_data})

    def _registration_json(
        self, credential: SoftCredential, client_data_json: bytes, authenticator_data: bytes
    ) -> dict[str, Any]:
        attestation_object = self._attestation_object(
            credential, client_data_json, authenticator_data
        )
        return {
            "id": b64url(credential.credential_id),
            "rawId": b64url(credential.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64url(client_data_json),
                "attestationObject": b64url(attestation_object),
                "transports": ["internal"],
                # Also sent by current browsers' toJSON(); py_webauthn ignores them.
                "authenticatorData": b64url(authenticator_data),
                "publicKey": b64url(_spki_der(credential.private_key)),
                "publicKeyAlgorithm": COSE_ALGORITHM_IDS[credential.algorithm],
            },
        }

    def _check_algorithm_offered(self, pub_key_cred_params: Any) -> None:
        if not pub_key_cred_params:
            return  # the spec then means ES256 and RS256; we do not police that
        offered = {param.get("alg") for param in pub_key_cred_params}
        if COSE_ALGORITHM_IDS[self.alg] not in offered:
            raise SoftAuthenticatorError(
                f"NotSupportedError: the server did not offer {self.alg} "
                f"(COSE {COSE_ALGORITHM_IDS[self.alg]}); it offered {sorted(offered)}"
            )

    def _check_not_excluded(self, exclude_credentials: Sequence[Mapping[str, Any]]) -> None:
        for descriptor in exclude_credentials:
            if b64url_decode(descriptor["id"]) in self.credentials:
                raise SoftAuthenticatorError(
                    "InvalidStateError: this authenticator already holds an excluded credential"
                )

    # -------------------------------------------------------------- authentication

    def assert_(
        self,
        options: Mapping[str, Any],
        *,
        credential_id: bytes | None = None,
        origin: str | None = None,
        rp_id: str | None = None,
        user_verified: bool | None = None,
        user_present: bool | None = None,
        sign_count: int | None = None,
        client_data_form: ClientDataForm = "strict",
    ) -> dict[str, Any]:
        """Answer `navigator.credentials.get()` options with an assertion (JSON form).

        With an empty `allowCredentials` the request is for a discoverable credential: the
        only passkey held for the RP ID is used, or `credential_id` picks one (as the user
        would in the browser's chooser). Each call adds 1 to the credential's sign count
        unless `sign_count` overrides the reported value.
        """
        requested_rp_id = self._requested_rp_id(options.get("rpId"))
        allowed_ids = [b64url_decode(d["id"]) for d in options.get("allowCredentials") or []]
        credential = self._select_credential(requested_rp_id, allowed_ids, credential_id)
        if sign_count is None:
            credential.sign_count += 1
            sign_count = credential.sign_count
        authenticator_data = _authenticator_data(
            rp_id or requested_rp_id, self._flags(user_verified, user_present), sign_count
        )
        client_data_json = _client_data_json(
            "webauthn.get", options["challenge"], origin or self.origin, client_data_form
        )
        client_data_hash = hashlib.sha256(client_data_json).digest()
        signature = _sign(credential.private_key, authenticator_data + client_data_hash)
        assertion = _assertion_json(credential, client_data_json, authenticator_data, signature)
        self.last_assertion = assertion
        return copy.deepcopy(assertion)

    def assert_challenge(
        self,
        challenge: bytes,
        *,
        allow_credentials: Sequence[bytes] = (),
        credential_id: bytes | None = None,
        origin: str | None = None,
        rp_id: str | None = None,
        user_verified: bool | None = None,
        user_present: bool | None = None,
        sign_count: int | None = None,
        client_data_form: ClientDataForm = "strict",
    ) -> dict[str, Any]:
        """`assert_` with minimal options built from raw challenge bytes (e.g. a ballot hash)."""
        options = {
            "challenge": b64url(challenge),
            "rpId": self.rp_id,
            "allowCredentials": [
                {"id": b64url(allowed), "type": "public-key"} for allowed in allow_credentials
            ],
            "userVerification": "required",
        }
        # ruff's UP005 takes `self.assert_` for unittest's deprecated alias.
        return self.assert_(  # noqa: UP005
            options,
            credential_id=credential_id,
            origin=origin,
            rp_id=rp_id,
            user_verified=user_verified,
            user_present=user_present,
            sign_count=sign_count,
            client_data_form=client_data_form,
        )

    def replay_last_assertion(self) -> dict[str, Any]:
        """A copy of the last assertion, to submit again in a replay test."""
        if self.last_assertion is None:
            raise SoftAuthenticatorError("no assertion has been made yet")
        return copy.deepcopy(self.last_assertion)

    def _select_credential(
        self, rp_id: str, allowed_ids: Sequence[bytes], credential_id: bytes | None
    ) -> SoftCredential:
        candidates = [
            credential
            for credential in self.credentials.values()
            if credential.rp_id == rp_id
            and (not allowed_ids or credential.credential_id in allowed_ids)
            and (credential_id is None or credential.credential_id == credential_id)
        ]
        if not candidates:
            raise SoftAuthenticatorError(
                "NotAllowedError: no credential on this authenticator matches the request"
            )
        if len(candidates) > 1 and not allowed_ids:
            raise SoftAuthenticatorError(
                "several discoverable credentials match: pass credential_id to choose one"
            )
        return candidates[0]

    # -------------------------------------------------------------- keys and helpers

    def public_key_spki_pem(self, credential_id: bytes) -> str:
        """The credential's public key as an SPKI PEM (what ballots are verified against)."""
        public_key = self.credentials[credential_id].private_key.public_key()
        pem = public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem.decode("ascii")

    def public_key_cose(self, credential_id: bytes) -> bytes:
        """The credential's public key as COSE_Key bytes (what py_webauthn stores)."""
        return _cose_public_key(self.credentials[credential_id].private_key)

    def _requested_rp_id(self, rp_id_in_options: str | None) -> str:
        requested = rp_id_in_options or self.rp_id
        if requested != self.rp_id:
            raise SoftAuthenticatorError(
                f"SecurityError: RP ID {requested!r} does not belong to this authenticator's "
                f"origin {self.origin!r} (configured RP ID {self.rp_id!r})"
            )
        return requested

    def _flags(self, user_verified: bool | None, user_present: bool | None) -> int:
        verified = self.user_verified if user_verified is None else user_verified
        present = self.user_present if user_present is None else user_present
        return (FLAG_UP if present else 0) | (FLAG_UV if verified else 0)


def _assertion_json(
    credential: SoftCredential, client_data_json: bytes, authenticator_data: bytes, signature: bytes
) -> dict[str, Any]:
    return {
        "id": b64url(credential.credential_id),
        "rawId": b64url(credential.credential_id),
        "type": "public-key",
        "authenticatorAttachment": "platform",
        "clientExtensionResults": {},
        "response": {
            "clientDataJSON": b64url(client_data_json),
            "authenticatorData": b64url(authenticator_data),
            "signature": b64url(signature),
            "userHandle": b64url(credential.user_handle),
        },
    }

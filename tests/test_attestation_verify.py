"""The verifier checks each ballot key's attestation as the member key register lists it:
a key whose attestation does not chain to a trusted maker, attests another key, or whose
statement was altered is reported; so is an unattested key where the body requires
attestation. The attestations are real packed ones from a test maker's device."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from typing import Any

from ecabinet.minutes.evidence import b64url, b64url_decode
from ecabinet.minutes.keycheck import key_problem
from ecabinet.minutes.register import Credential, Register, key_fingerprint
from ecabinet.minutes.verify import verify_pdf
from ecabinet.models import utcnow
from ecabinet.softauthn import SoftAuthenticator, Vendor, make_vendor

from .support.minutes_tamper import Genuine, texts

TABLET = bytes.fromhex("adce000235bcc60a648b0b25f1f05503")
OPTIONS = {
    "challenge": b64url(b"c" * 32),
    "rp": {"id": "localhost", "name": "x"},
    "user": {"id": b64url(b"member"), "name": "m", "displayName": "m"},
    "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
    "authenticatorSelection": {"userVerification": "required"},
}


def enrolled(vendor: Vendor | None) -> tuple[str, dict[str, Any]]:
    """A device's public key and the attestation the register lists for it."""
    device = SoftAuthenticator(
        origin="http://localhost:8000",
        rp_id="localhost",
        aaguid=TABLET,
        attestation="none" if vendor is None else vendor.attestation,
    )
    answer = device.register(OPTIONS)
    key = device.public_key_spki_pem(next(iter(device.credentials)))
    return key, {
        "format": "none" if vendor is None else "packed",
        "object": answer["response"]["attestationObject"],
        "clientDataJSON": answer["response"]["clientDataJSON"],
    }


def register_with(
    key: str, attestation: dict[str, Any] | None, *, roots: list[bytes], policy: str = "attested"
) -> Register:
    register = Register(
        1,
        "Chính phủ",
        utcnow(),
        people={7: "Thành viên"},
        attestation_policy=policy,
        attestation_roots=[r.decode() for r in roots],
    )
    register.keys[key_fingerprint(key)] = [
        Credential(
            7, "c1", key_fingerprint(key), utcnow() - timedelta(days=1), None, "", 1, attestation
        )
    ]
    return register


def problem(register: Register, key: str) -> str | None:
    return key_problem(
        register, person=7, membership=None, public_key=key, credential_id=None, at=utcnow()
    )


def test_an_attested_key_from_a_trusted_maker_passes() -> None:
    maker = make_vendor("Nhà sản xuất", TABLET)
    key, attestation = enrolled(maker)
    assert problem(register_with(key, attestation, roots=[maker.root_pem]), key) is None


def test_an_attestation_that_does_not_chain_to_the_trusted_makers_is_reported() -> None:
    maker, other = make_vendor("Nhà sản xuất", TABLET), make_vendor("Hãng khác", TABLET)
    key, attestation = enrolled(maker)
    found = problem(register_with(key, attestation, roots=[other.root_pem]), key)
    assert found is not None and found.startswith(
        "its attestation does not chain to a trusted maker's root"
    ), found
    # The verifier's own choice of roots overrides the register's.
    register = register_with(key, attestation, roots=[maker.root_pem])
    register.verifier_attestation_roots = [other.root_pem.decode()]
    assert "does not chain to a trusted maker's root" in (problem(register, key) or "")


def test_a_genuine_attestation_copied_onto_another_key_is_reported() -> None:
    maker = make_vendor("Nhà sản xuất", TABLET)
    _key, attestation = enrolled(maker)
    forged_key, _ = enrolled(None)  # root's own key, dressed in a real device's attestation
    found = problem(register_with(forged_key, attestation, roots=[maker.root_pem]), forged_key)
    assert found == "its attestation attests another key: it was copied from another device"


def test_an_altered_registration_client_data_is_reported() -> None:
    maker = make_vendor("Nhà sản xuất", TABLET)
    key, attestation = enrolled(maker)
    client = json.loads(b64url_decode(attestation["clientDataJSON"]))
    client["challenge"] = b64url(b"d" * 32)
    altered = dict(attestation, clientDataJSON=b64url(json.dumps(client).encode()))
    found = problem(register_with(key, altered, roots=[maker.root_pem]), key)
    assert found is not None and found.startswith(
        "its attestation statement's signature does not verify"
    ), found


def test_an_unattested_key_is_reported_only_where_the_body_requires_attestation() -> None:
    key, attestation = enrolled(None)
    assert problem(register_with(key, attestation, roots=[], policy="any"), key) is None
    found = problem(register_with(key, attestation, roots=[], policy="attested"), key)
    assert found == (
        "its attestation has no maker's certificate chain, and the body accepts "
        "only attested devices"
    )


async def test_the_minutes_report_each_ballot_whose_key_is_not_attested(genuine: Genuine) -> None:
    """The demo's passkeys carry no attestation: under the policy ``attested`` every ballot
    of the genuine minutes is reported, and the approval too."""
    register = copy.deepcopy(genuine.register)
    register.attestation_policy = "attested"
    found = texts(await verify_pdf(genuine.pdf, trust_roots=genuine.roots, keys=register))
    assert any(
        p.startswith("Vote 1, ballot")
        and "the voter's passkey: the register lists no attestation for this key" in p
        for p in found
    ), found
    assert any(
        "The approval's passkey is not the chair's registered key: the register "
        "lists no attestation" in p
        for p in found
    ), found

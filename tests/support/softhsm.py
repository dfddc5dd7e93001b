"""A real PKCS#11 token for the tests: SoftHSM2 (Debian `softhsm2`), set up from scratch.

Each signer gets a token of their own (its own slot and PIN), and its key pair is
GENERATED ON THE TOKEN, as on an HSM: the private key is never outside it. The certificate
is then issued by a test CA for the token's public key and stored on the token beside the
key under the same label, which is where pyHanko's PKCS#11 signer looks for it.

SoftHSM2 reads SOFTHSM2_CONF once, when the module is first loaded in the process, so the
configuration is made once per test session.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pkcs11
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass
from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

from ecabinet.minutes.ca import Authority, _key_usage, _name, create_authority, pem

MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
SO_PIN = "12345678"


@dataclass(frozen=True)
class Token:
    label: str
    key_label: str
    pin_file: Path
    certificate: x509.Certificate


@dataclass(frozen=True)
class SoftHsm:
    directory: Path
    ca_certificate: Path
    tokens: dict[str, Token]


def configure(directory: Path) -> None:
    tokens = directory / "tokens"
    tokens.mkdir(parents=True)
    conf = directory / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    os.environ["SOFTHSM2_CONF"] = str(conf)


def init_token(label: str, pin: str) -> None:
    subprocess.run(
        [
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            label,
            "--so-pin",
            SO_PIN,
            "--pin",
            pin,
        ],
        check=True,
        capture_output=True,
    )


def provision(directory: Path, signers: dict[str, str], organization: str) -> SoftHsm:
    """A token per signer (role -> person's name), each with a key made on the token and a
    certificate from a fresh test CA."""
    configure(directory)
    authority = create_authority("e-Cabinet test CA (SoftHSM2)", organization)
    ca_file = directory / "ca.pem"
    ca_file.write_bytes(pem(authority.certificate))
    # Every token exists before the module is loaded: it lists its slots once.
    for role in signers:
        init_token(f"ecabinet-{role}", _pin(role))
    tokens: dict[str, Token] = {}
    for role, person in signers.items():
        label, pin = f"ecabinet-{role}", _pin(role)
        pin_file = directory / f"{role}.pin"
        pin_file.write_text(pin + "\n")
        pin_file.chmod(0o600)
        certificate = _key_on_token(label, pin, role, person, organization, authority)
        tokens[role] = Token(label, role, pin_file, certificate)
    return SoftHsm(directory, ca_file, tokens)


def _pin(role: str) -> str:
    return f"{role}-{SO_PIN[::-1]}"


def _key_on_token(
    token_label: str, pin: str, key_label: str, person: str, organization: str, authority: Authority
) -> x509.Certificate:
    token = pkcs11.lib(str(MODULE)).get_token(token_label=token_label)
    with token.open(rw=True, user_pin=pin) as session:
        params = session.create_domain_parameters(
            KeyType.EC,
            {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")},
            local=True,
        )
        public, _private = params.generate_keypair(
            store=True,
            label=key_label,
            id=key_label.encode(),
            private_template={Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False},
        )
        public_key = serialization.load_der_public_key(encode_ec_public_key(public))
        assert isinstance(public_key, ec.EllipticCurvePublicKey)
        certificate = _issue(authority, public_key, person, organization)
        der = certificate.public_bytes(serialization.Encoding.DER)
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: key_label,
                Attribute.ID: key_label.encode(),
                Attribute.SUBJECT: certificate.subject.public_bytes(),
                Attribute.VALUE: der,
            }
        )
    return certificate


def _issue(
    authority: Authority, public_key: ec.EllipticCurvePublicKey, person: str, organization: str
) -> x509.Certificate:
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(person, organization))
        .issuer_name(authority.certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signing=True), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key()),
            critical=False,
        )
        .sign(authority.key, hashes.SHA256())
    )

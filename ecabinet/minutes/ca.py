"""A local certificate authority for the demo: EC P-256 certificates for the chair and the
secretary, so that signed minutes can be validated end to end without a licensed CA.

In production the certificates come from a licensed CA or the Government's specialised
CA (DOMAIN.md); this module is only what ``ecabinet demo`` uses. The authority's private
key is not written anywhere: the demo CA issues its two certificates and is gone.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from .sign import FileKeySource

CA_DAYS = 3650
SIGNER_DAYS = 730


@dataclass(frozen=True)
class Authority:
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate


def _name(common_name: str, organization: str) -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ]
    if organization:
        attributes.insert(1, x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(attributes)


def _key_usage(*, signing: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=signing,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not signing,
        crl_sign=not signing,
        encipher_only=False,
        decipher_only=False,
    )


def create_authority(common_name: str, organization: str = "", *, days: int = CA_DAYS) -> Authority:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(common_name, organization)
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signing=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Authority(key, certificate)


def issue_signing_certificate(
    authority: Authority, common_name: str, organization: str = "", *, days: int = SIGNER_DAYS
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A document-signing certificate (digital signature and non-repudiation)."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, organization))
        .issuer_name(authority.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signing=True), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key()),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(authority.key, hashes.SHA256())
    )
    return key, certificate


def pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _write_private(path: Path, data: bytes) -> None:
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def write_pkcs12(
    directory: Path,
    stem: str,
    key: ec.EllipticCurvePrivateKey,
    certificate: x509.Certificate,
    authority: x509.Certificate,
) -> FileKeySource:
    """``stem.p12`` protected by a random passphrase kept in ``stem.pass`` (both mode 600)."""
    passphrase = secrets.token_urlsafe(24).encode("ascii")
    data = pkcs12.serialize_key_and_certificates(
        stem.encode("ascii"),
        key,
        certificate,
        [authority],
        serialization.BestAvailableEncryption(passphrase),
    )
    key_file, passphrase_file = directory / f"{stem}.p12", directory / f"{stem}.pass"
    _write_private(key_file, data)
    _write_private(passphrase_file, passphrase + b"\n")
    return FileKeySource(key_file, None, passphrase_file)


@dataclass(frozen=True)
class DemoSigning:
    ca_certificate: Path
    secretary: FileKeySource
    chair: FileKeySource


def prepare_demo_signing(
    directory: Path, *, secretary_name: str, chair_name: str, organization: str
) -> DemoSigning:
    """A fresh demo CA and the two signers' PKCS#12 files under ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    authority = create_authority("e-Cabinet demo CA (not for production)", organization)
    ca_file = directory / "ca.pem"
    ca_file.write_bytes(pem(authority.certificate))
    sources = {}
    for stem, person in (("secretary", secretary_name), ("chair", chair_name)):
        key, certificate = issue_signing_certificate(authority, person, organization)
        sources[stem] = write_pkcs12(directory, stem, key, certificate, authority.certificate)
    return DemoSigning(ca_file, sources["secretary"], sources["chair"])

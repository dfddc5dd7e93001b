"""A real PKI for the long-term (B-LTA) minutes tests: certomancer's time-stamp authority,
OCSP responder and CRL repository over HTTP on 127.0.0.1 (the ``pki`` fixture, one per
module), keys that sign like a token, minutes signed and archived with them
(``lta_minutes``), and the validation spec that requires revocation information."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig, ServiceLabel
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.sign import signers
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy
from pyhanko_certvalidator.registry import SimpleCertificateStore, SimpleTrustManager

from ecabinet.actions.minutes_drafts import make_drafts
from ecabinet.db import Database
from ecabinet.minutes.collect import collect
from ecabinet.minutes.render import CHAIR_FIELD, SECRETARY_FIELD
from ecabinet.minutes.sign import archival, archive_pdf, sign_pdf, timestamper
from ecabinet.settings import Settings

from .minutes import build_closed_session

ARCH = "ecabinet-test"
LABELS = ("root", "interm", "tsa", "ocsp", "secretary", "chair", "revoked")


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


def _usage(*uses: str) -> dict[str, Any]:
    return {
        "id": "key_usage",
        "critical": True,
        "smart-value": {"schema": "key-usage", "params": list(uses)},
    }


def _crls_from_root() -> dict[str, Any]:
    return {
        "id": "crl_distribution_points",
        "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": ["root"]}},
    }


def pki_config(prefix: str, now: datetime) -> dict[str, Any]:
    """Root and intermediate CA, an OCSP responder for the intermediate, CRLs for the root,
    a TSA, and the two signers, whose certificates expire in 30 days (and a third signer
    whose certificate was revoked an hour ago)."""

    def valid(days: int) -> dict[str, str]:
        return {
            "valid-from": _when(now - timedelta(days=1)),
            "valid-to": _when(now + timedelta(days=days)),
        }

    signer = {
        "issuer": "interm",
        "validity": valid(30),
        "extensions": [
            _usage("digital_signature", "non_repudiation"),
            {
                "id": "authority_information_access",
                "smart-value": {
                    "schema": "aia-urls",
                    "params": {
                        "ocsp-responder-names": ["interm"],
                        "ca-issuer-links": [{"repo": "interm"}],
                    },
                },
            },
        ],
    }
    return {
        "external-url-prefix": prefix,
        "keysets": {"keys": {"keys": {label: {"path": f"{label}.key.pem"} for label in LABELS}}},
        "pki-architectures": {
            ARCH: {
                "keyset": "keys",
                "entity-defaults": {"country-name": "VN", "organization-name": "Chinh phu"},
                "entities": {
                    "root": {"common-name": "Test Root CA"},
                    "interm": {"common-name": "Test Signing CA"},
                    "tsa": {"common-name": "Test TSA"},
                    "ocsp": {"common-name": "Test OCSP"},
                    "secretary": {"common-name": "Nghiêm Thị Hồng Vân"},
                    "chair": {"common-name": "Trần Quốc Khải"},
                    "revoked": {"common-name": "Chứng thư đã bị thu hồi"},
                },
                "certs": {
                    "root": {
                        "subject": "root",
                        "issuer": "root",
                        "validity": valid(365 * 50),
                        "extensions": [
                            {"id": "basic_constraints", "critical": True, "value": {"ca": True}},
                            _usage("digital_signature", "key_cert_sign", "crl_sign"),
                        ],
                    },
                    "interm": {
                        "issuer": "root",
                        "validity": valid(365 * 20),
                        "extensions": [
                            {
                                "id": "basic_constraints",
                                "critical": True,
                                "value": {"ca": True, "path-len-constraint": 0},
                            },
                            _usage("digital_signature", "key_cert_sign", "crl_sign"),
                            _crls_from_root(),
                        ],
                    },
                    "ocsp": {
                        "issuer": "interm",
                        "validity": valid(365 * 20),
                        "extensions": [
                            _usage("digital_signature"),
                            {
                                "id": "extended_key_usage",
                                "critical": True,
                                "value": ["ocsp_signing"],
                            },
                            {"id": "ocsp_no_check"},
                        ],
                    },
                    "tsa": {
                        "issuer": "root",
                        "validity": valid(365 * 20),
                        "extensions": [
                            _usage("digital_signature"),
                            {
                                "id": "extended_key_usage",
                                "critical": True,
                                "value": ["time_stamping"],
                            },
                            _crls_from_root(),
                        ],
                    },
                    "secretary": signer,
                    "chair": dict(signer),
                    # A signer whose key was compromised: the OCSP responder says so.
                    "revoked": dict(
                        signer,
                        revocation={
                            "revoked-since": _when(now - timedelta(hours=1)),
                            "reason": "key_compromise",
                        },
                    ),
                },
                "services": {
                    "ocsp": {
                        "interm": {
                            "for-issuer": "interm",
                            "responder-cert": "ocsp",
                            "signing-key": "ocsp",
                        }
                    },
                    "crl-repo": {
                        "root": {
                            "for-issuer": "root",
                            "signing-key": "root",
                            "simulated-update-schedule": "P90D",
                        }
                    },
                    "cert-repo": {
                        "root": {"for-issuer": "root", "publish-issued-certs": True},
                        "interm": {"for-issuer": "interm", "publish-issued-certs": True},
                    },
                    "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}},
                },
            }
        },
    }


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Pki:
    arch: Any
    tsa_url: str
    roots_file: Path
    server: WSGIServer
    config: CertomancerConfig

    def run_at(self, moment: datetime | None) -> None:
        """The CA's services as they answer at ``moment`` (None: the real clock)."""
        self.server.set_app(
            Animator(AnimatorArchStore(self.config.pki_archs), at_time=moment, with_web_ui=False)
        )


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pki]:
    """certomancer's services over real HTTP on 127.0.0.1, in a thread of this process."""
    folder = tmp_path_factory.mktemp("pki")
    for label in LABELS:
        key = ec.generate_private_key(ec.SECP256R1())
        (folder / f"{label}.key.pem").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    server: WSGIServer = make_server("127.0.0.1", 0, lambda env, start: [], handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    try:
        prefix = f"http://127.0.0.1:{server.server_port}"
        config = CertomancerConfig(
            pki_config(prefix, datetime.now(UTC)), key_search_dir=str(folder)
        )
        arch = config.get_pki_arch(ArchLabel(ARCH))
        roots = folder / "roots.pem"
        roots.write_bytes(_pem(arch.get_cert(CertLabel("root"))))
        pki = Pki(
            arch, arch.service_registry.get_tsa_info(ServiceLabel("tsa")).url, roots, server, config
        )
        pki.run_at(None)
        thread.start()
        yield pki
    finally:
        if thread.is_alive():
            server.shutdown()
            thread.join(timeout=10)
        server.server_close()


def _pem(cert: Any) -> bytes:
    import base64

    body = base64.encodebytes(cert.dump()).decode()
    return f"-----BEGIN CERTIFICATE-----\n{body}-----END CERTIFICATE-----\n".encode()


@dataclass(frozen=True)
class TokenKey:
    """A signer's key and certificate as the CA issued them (with the chain)."""

    arch: Any
    label: str

    @property
    def description(self) -> str:
        return f"certomancer:{self.label}"

    @asynccontextmanager
    async def open(self) -> AsyncIterator[signers.Signer]:
        yield signers.SimpleSigner(
            signing_cert=self.arch.get_cert(self.label),
            signing_key=self.arch.key_set.get_private_key(self.label),
            cert_registry=SimpleCertificateStore.from_certs(
                [self.arch.get_cert("interm"), self.arch.get_cert("root")]
            ),
        )


@pytest.fixture
async def lta_minutes(db: Database, settings: Settings, pki: Pki) -> bytes:
    session = await build_closed_session(db, settings)
    async with db.read() as read:
        record = await collect(
            read,
            settings,
            session.meeting_id,
            secretary_membership_id=session.secretary_membership_id,
        )
    draft = make_drafts(record, "vi").minutes
    # The settings production uses: a TSA URL, LTA on, the trust roots.
    configured = dataclasses.replace(
        settings,
        minutes_tsa_url=pki.tsa_url,
        minutes_lta=True,
        minutes_trust_roots=str(pki.roots_file),
    )
    stamper = timestamper(configured)
    plan = archival(configured)
    assert stamper is not None and plan is not None
    once = await sign_pdf(
        draft, field=SECRETARY_FIELD, key=TokenKey(pki.arch, "secretary"), stamper=stamper
    )
    twice = await sign_pdf(
        once, field=CHAIR_FIELD, key=TokenKey(pki.arch, "chair"), stamper=stamper
    )
    return await archive_pdf(twice, plan)


def lta_spec(pki: Pki, fetchers: Any) -> PdfSignatureValidationSpec:
    """Revocation information required for every certificate. Only the newest document
    time stamp is checked against the CA's answers at validation time; everything about
    the signatures comes from what the document carries."""
    return PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=CertValidationPolicySpec(
                trust_manager=SimpleTrustManager.build(trust_roots=[pki.arch.get_cert("root")]),
                revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO),
            ),
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                RevinfoOnlineFetchingRule.NO_HISTORICAL_FETCH, fetcher_backend=fetchers
            ),
        )
    )

"""``ecabinet minutes verify`` on B-LTA minutes (record's certomancer fixture): the document
time stamp after the chair's signature is accepted and checked, not taken for an unexpected
signature, and both signatures stay trusted."""

from __future__ import annotations

import dataclasses
import io

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESIndeterminate, AdESPassed
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from ecabinet.actions.minutes_drafts import make_drafts
from ecabinet.db import Database
from ecabinet.minutes.collect import collect
from ecabinet.minutes.render import SECRETARY_FIELD
from ecabinet.minutes.sign import sign_pdf, timestamper
from ecabinet.minutes.verify import load_trust_roots, verify_pdf
from ecabinet.settings import Settings

from .support.lta import Pki, TokenKey, lta_spec
from .support.minutes import build_closed_session


async def test_the_verifier_accepts_the_document_time_stamp_of_lta_minutes(
    lta_minutes: bytes,
    pki: Pki,
) -> None:
    report = await verify_pdf(lta_minutes, trust_roots=load_trust_roots([pki.roots_file]))
    signatures = next(s for s in report.sections if s.title == "Signatures")
    texts = [(f.ok, f.message) for f in signatures.findings]
    assert signatures.ok, texts
    assert any(ok and "A document time stamp of" in m for ok, m in texts), texts
    assert sum(1 for ok, m in texts if ok and "chains to a trusted authority" in m) == 2
    assert any(ok and "only validation data (DSS) was added" in m for ok, m in texts)
    layout = next(s for s in report.sections if s.title == "Structure")
    assert any(f.ok and "locks the document" in f.message for f in layout.findings)


async def test_ades_validation_with_revocation_required_accepts_lta_minutes_today(
    lta_minutes: bytes,
    pki: Pki,
) -> None:
    """What pyHanko's ``adesverify`` does: AdES validation (here the LTA one), revocation
    information required for every certificate, the OCSP responder asked live."""
    reader = PdfFileReader(io.BytesIO(lta_minutes))
    async with AIOHttpFetcherBackend() as fetchers:
        for signature in reader.embedded_regular_signatures:
            result = await ades_lta_validation(signature, lta_spec(pki, fetchers))
            assert result.ades_subindic == AdESPassed.OK, (
                signature.field_name,
                result.ades_subindic,
                result.failure_msg,
            )


async def test_a_signature_by_a_revoked_certificate_is_refused_with_revocation_checking(
    db: Database,
    settings: Settings,
    pki: Pki,
) -> None:
    """The revocation check is real: the same validation refuses a signature whose
    certificate the CA revoked before it signed (the OCSP responder answers "revoked")."""
    session = await build_closed_session(db, settings)
    async with db.read() as read:
        record = await collect(
            read,
            settings,
            session.meeting_id,
            secretary_membership_id=session.secretary_membership_id,
        )
    draft = make_drafts(record, "vi").minutes
    stamper = timestamper(dataclasses.replace(settings, minutes_tsa_url=pki.tsa_url))
    signed = await sign_pdf(
        draft, field=SECRETARY_FIELD, key=TokenKey(pki.arch, "revoked"), stamper=stamper
    )
    (signature,) = PdfFileReader(io.BytesIO(signed)).embedded_regular_signatures
    async with AIOHttpFetcherBackend() as fetchers:
        result = await ades_lta_validation(signature, lta_spec(pki, fetchers))
        # Revoked an hour before the signature's own time stamp: nothing proves the
        # signature existed while the certificate was good. pyHanko answers NO_POE when it
        # goes on to past validation, a chain failure when it stops before (seen in a full
        # CI run); either way the same validation that passes genuine minutes refuses it.
        assert result.ades_subindic in (
            AdESIndeterminate.NO_POE,
            AdESIndeterminate.CERTIFICATE_CHAIN_GENERAL_FAILURE,
        ), (result.ades_subindic, result.failure_msg)
        context = ValidationContext(
            trust_roots=[pki.arch.get_cert("root")],
            fetchers=fetchers,
            allow_fetching=True,
            revocation_mode="hard-fail",
        )
        status = await async_validate_pdf_signature(signature, context)
        assert status.revoked and not status.bottom_line
    # The signature itself is intact: only the revocation check tells it apart.
    assert status.intact and status.valid

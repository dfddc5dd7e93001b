"""PAdES B-LTA: time that outlives the certificates. A real time-stamp authority, OCSP
responder and CRL repository (certomancer, by pyHanko's author) serve over HTTP on
127.0.0.1; the secretary and the chair sign the demo session's minutes with time stamps,
then the document gets the validation data of both signatures and a document time stamp.
pyHanko, with revocation checking required, accepts them today, and its AdES long-term
validation accepts them two years on, when the signers' certificates have expired: a
validation that moves the clock without the LTA data refuses them."""

from __future__ import annotations

import io
from datetime import timedelta

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo

from ecabinet.minutes.render import CHAIR_FIELD, SECRETARY_FIELD

from .support.lta import Pki, lta_spec


async def test_lta_minutes_carry_time_stamps_validation_data_and_a_document_time_stamp(
    lta_minutes: bytes,
    pki: Pki,
) -> None:
    reader = PdfFileReader(io.BytesIO(lta_minutes))
    regular = reader.embedded_regular_signatures
    assert [s.field_name for s in regular] == [SECRETARY_FIELD, CHAIR_FIELD]
    for signature in regular:  # B-T: each signature carries its own time stamp
        unsigned = signature.signer_info["unsigned_attrs"].native or []
        assert any(a["type"] == "signature_time_stamp_token" for a in unsigned)
    assert len(reader.embedded_timestamp_signatures) == 1  # the document time stamp
    dss = reader.root["/DSS"]
    assert len(dss["/OCSPs"]) >= 2 and len(dss["/Certs"]) >= 4 and len(dss["/CRLs"]) >= 1

    # Today, with revocation checking required and fetched live from the OCSP responder.
    async with AIOHttpFetcherBackend() as fetchers:
        # A minute's tolerance, as the archiving step has: on a loaded machine an OCSP
        # answer comes seconds after the context's "now" and would be "too recent".
        context = ValidationContext(
            trust_roots=[pki.arch.get_cert("root")],
            fetchers=fetchers,
            allow_fetching=True,
            revocation_mode="hard-fail",
            time_tolerance=timedelta(minutes=1),
        )
        for signature in regular:
            status = await async_validate_pdf_signature(signature, context)
            assert status.bottom_line, status.pretty_print_details()


async def test_lta_minutes_still_validate_after_the_certificates_expired(
    lta_minutes: bytes,
    pki: Pki,
) -> None:
    expiry = pki.arch.get_cert("secretary").not_valid_after
    later = expiry + timedelta(days=700)  # two years on: both signers' certificates expired
    assert later > pki.arch.get_cert("chair").not_valid_after
    reader = PdfFileReader(io.BytesIO(lta_minutes))
    timing = ValidationTimingInfo(
        validation_time=later, best_signature_time=later, point_in_time_validation=False
    )
    pki.run_at(later)  # the root CA and the TSA still answer; the signers' certs expired
    backend = AIOHttpFetcherBackend()
    try:
        for signature in reader.embedded_regular_signatures:
            result = await ades_lta_validation(
                signature, lta_spec(pki, backend), timing_info=timing
            )
            assert result.ades_subindic == AdESPassed.OK, (
                signature.field_name,
                result.ades_subindic,
                result.failure_msg,
            )
    finally:
        await backend.close()
        pki.run_at(None)

    # The same clock without the long-term data: the expired certificates are refused.
    naive = ValidationContext(
        trust_roots=[pki.arch.get_cert("root")], moment=later, allow_fetching=False
    )
    for signature in reader.embedded_regular_signatures:
        status = await async_validate_pdf_signature(signature, naive)
        assert not status.bottom_line

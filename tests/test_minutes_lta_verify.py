"""``ecabinet minutes verify`` on B-LTA minutes (record's certomancer fixture): the document
time stamp after the chair's signature is accepted and checked, not taken for an unexpected
signature, and both signatures stay trusted."""

from __future__ import annotations

from ecabinet.minutes.verify import load_trust_roots, verify_pdf

from .test_minutes_lta import Pki, lta_minutes, pki  # noqa: F401  (fixtures)


async def test_the_verifier_accepts_the_document_time_stamp_of_lta_minutes(
    lta_minutes: bytes, pki: Pki,  # noqa: F811
) -> None:
    report = await verify_pdf(lta_minutes, trust_roots=load_trust_roots([pki.roots_file]))
    signatures = next(s for s in report.sections if s.title == "Signatures")
    texts = [(f.ok, f.message) for f in signatures.findings]
    assert signatures.ok, texts
    assert any(ok and "A document time stamp of" in m for ok, m in texts), texts
    assert sum(1 for ok, m in texts if ok and "chains to a trusted authority" in m) == 2
    assert any(ok and "only validation data (DSS) was added" in m
               for ok, m in texts)
    layout = next(s for s in report.sections if s.title == "Structure")
    assert any(f.ok and "locks the document" in f.message for f in layout.findings)

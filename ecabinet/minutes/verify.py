"""Verify signed minutes (or a conclusion notice) with nothing but the PDF and, optionally,
the certificates of the authorities to trust.

1. Both PAdES signatures, with pyHanko: intact (the signed bytes are unchanged), valid (made
   by the certificate's key), trusted (the certificate chains to a given authority), and no
   change after signing: pyHanko's difference analysis of every later revision, and the
   last signature must cover the whole file, so an unsigned revision appended after the
   chair signed fails (poppler's pdfsig does not catch that one).
2. The chair's approval: a passkey assertion over SHA-256 of the unsigned draft.
3. The evidence: every ballot verified offline and every vote recounted
   (``ecabinet.minutes.recount``).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from ..ballots.evidence import EvidenceError, verify_challenge_assertion
from ..i18n import N_
from . import pdfdoc
from .evidence import APPROVAL_FILE_NAME, FILE_NAME, b64url_decode
from .findings import Msg, Report, Section, failed, passed
from .notice import NOTICE_FILE_NAME
from .recount import check_evidence
from .render import CHAIR_FIELD, SECRETARY_FIELD

ROLES = {SECRETARY_FIELD: Msg(N_("the secretary")), CHAIR_FIELD: Msg(N_("the chair"))}
CAPITAL_ROLES = {SECRETARY_FIELD: Msg(N_("The secretary")), CHAIR_FIELD: Msg(N_("The chair"))}
ACCEPTABLE = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES,
              ModificationLevel.FORM_FILLING)

# pyHanko logs every suspicious revision with a traceback; the report says it in words.
logging.getLogger("pyhanko").setLevel(logging.CRITICAL)


def load_trust_roots(paths: Iterable[Path]) -> list[Any]:
    load: Any = load_certs_from_pemder  # untyped
    roots: list[Any] = []
    for path in paths:
        roots.extend(load([str(path)]))
    return roots


async def verify_pdf(data: bytes, *, trust_roots: list[Any], file_name: str = "") -> Report:
    report = Report(file_name, hashlib.sha256(data).hexdigest())
    document = report.section(N_("The document"))
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = list(reader.embedded_signatures)
    except (PdfReadError, ValueError, KeyError, IndexError) as exc:
        document.add(failed(N_("The file is not a readable PDF: %(why)s"), why=str(exc)))
        return report
    files = pdfdoc.embedded_files(reader)
    _kind(document, files)
    await _signatures(report.section(N_("Signatures")), reader, signatures, data, trust_roots)
    if APPROVAL_FILE_NAME in files:
        _approval(report.section(N_("The chair's approval")), files[APPROVAL_FILE_NAME], data)
    if FILE_NAME in files:
        check_evidence(report, files[FILE_NAME])
    return report


def _kind(section: Section, files: dict[str, bytes]) -> None:
    if FILE_NAME in files:
        section.add(passed(N_("Minutes of a session, with the ballot evidence attached "
                              "(%(file)s)."), file=FILE_NAME))
    elif NOTICE_FILE_NAME in files:
        section.add(passed(N_("A conclusion notice of a session (no ballots; the minutes carry "
                           "them).")))
    else:
        section.add(failed(N_("The file carries no e-Cabinet evidence: it is not minutes made "
                           "by e-Cabinet, or the evidence was removed.")))


async def _signatures(section: Section, reader: PdfFileReader,
                      signatures: list[EmbeddedPdfSignature], data: bytes,
                      trust_roots: list[Any]) -> None:
    by_field = {s.field_name: s for s in signatures}
    present_fields = set(pdfdoc.signature_field_names(reader))
    for field, role in ROLES.items():
        if field not in present_fields:
            section.add(failed(N_("The document has no signature field for %(role)s."), role=role))
        elif field not in by_field:
            section.add(failed(N_("%(role)s has not signed."), role=CAPITAL_ROLES[field]))
    for name in sorted(set(by_field) - set(ROLES)):
        section.add(failed(N_("An unexpected signature is present, in field %(field)s."),
                           field=name))
    if not trust_roots:
        section.add(failed(N_("No trusted certificate authority was given, so nobody's "
                           "certificate can be trusted: pass --trust CA.pem.")))
    context = ValidationContext(trust_roots=trust_roots, allow_fetching=False)
    for signature in signatures:
        await _signature(section, signature, context, bool(trust_roots))
    _order(section, by_field)
    _nothing_after(section, signatures, data)


async def _signature(section: Section, signature: EmbeddedPdfSignature,
                     context: ValidationContext, trusting: bool) -> None:
    role = ROLES.get(signature.field_name, Msg(signature.field_name))
    try:
        status = await async_validate_pdf_signature(signature, context)
    except Exception as exc:  # a malformed signature is a finding, not a crash
        section.add(failed(N_("The signature of %(role)s cannot be validated: %(why)s"),
                           role=role, why=str(exc) or type(exc).__name__))
        return
    signer = _common_name(status.signing_cert)
    when = status.signer_reported_dt.isoformat(timespec="seconds") \
        if status.signer_reported_dt else "?"
    if not status.intact:
        section.add(failed(N_("The signature of %(role)s (%(signer)s) does not match the "
                           "document: the signed content was changed after signing (digest "
                           "mismatch)."), role=role, signer=signer))
    elif not status.valid:
        section.add(failed(N_("The signature of %(role)s (%(signer)s) is not a valid signature "
                           "of its certificate's key."), role=role, signer=signer))
    else:
        section.add(passed(N_("The signature of %(role)s is intact and valid: %(signer)s, signed "
                           "at %(when)s."), role=role, signer=signer, when=when))
    if trusting and not status.trusted:
        section.add(failed(N_("The certificate of %(role)s (%(signer)s) is not issued by a trusted "
                           "authority."), role=role, signer=signer))
    elif status.trusted:
        section.add(passed(N_("The certificate of %(role)s chains to a trusted authority."),
                           role=role))
    if status.modification_level not in ACCEPTABLE or not status.docmdp_ok:
        level = status.modification_level.name if status.modification_level else "unknown"
        section.add(failed(N_("The document was changed after %(role)s signed, in a way a signed "
                           "document does not allow (%(level)s)."), role=role, level=level))
    if status.timestamp_validity is not None:
        section.add(passed(N_("The signature of %(role)s carries a time stamp of %(when)s."),
                           role=role, when=status.timestamp_validity.timestamp.isoformat()))


def _common_name(certificate: Any) -> str:
    name = certificate.subject.native.get("common_name")
    return str(name) if name else str(certificate.subject.human_friendly)


def _order(section: Section, by_field: dict[str, EmbeddedPdfSignature]) -> None:
    secretary, chair = by_field.get(SECRETARY_FIELD), by_field.get(CHAIR_FIELD)
    if secretary is not None and chair is not None and \
            secretary.signed_revision > chair.signed_revision:
        section.add(failed(N_("The chair signed before the secretary; the secretary signs "
                           "first.")))


def _nothing_after(section: Section, signatures: list[EmbeddedPdfSignature], data: bytes
                   ) -> None:
    """The last signature must cover the whole file: anything after it is unsigned."""
    if not signatures:
        return
    last = max(signatures, key=lambda s: s.signed_revision)
    if last.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        section.add(passed(N_("Nothing was added to the file after the last signature.")))
        return
    start, length = last.byte_range[2], last.byte_range[3]
    appended = len(data) - (int(start) + int(length))
    section.add(failed(N_("%(n)s bytes were appended after the last signature, in an unsigned "
                       "revision: the document was changed after it was signed."),
                       n=appended))


def _approval(section: Section, raw: bytes, data: bytes) -> None:
    try:
        approval = json.loads(raw)
        length = int(approval["draftLength"])
        draft_hash = hashlib.sha256(data[:length]).digest()
        if draft_hash.hex() != approval["draftSha256"]:
            section.add(failed(N_("The approval names a draft whose hash is not that of the "
                               "document's first revision.")))
            return
        verify_challenge_assertion(
            challenge=draft_hash,
            authenticator_data=b64url_decode(approval["authenticatorData"]),
            client_data_json=b64url_decode(approval["clientDataJSON"]),
            signature=b64url_decode(approval["signature"]),
            public_key_spki_pem=approval["publicKey"],
            expected_origin=approval["origin"], expected_rp_id=approval["rpId"])
    except EvidenceError as exc:
        section.add(failed(N_("The chair's passkey approval does not verify: %(why)s"),
                           why=str(exc)))
        return
    except (ValueError, KeyError, TypeError) as exc:
        section.add(failed(N_("The approval record is unreadable: %(why)s"), why=str(exc)))
        return
    section.add(passed(N_("%(name)s approved exactly this draft (SHA-256 %(hash)s) with a "
                       "passkey at %(when)s; the passkey's signature verifies."),
                       name=approval.get("name", "?"), hash=approval["draftSha256"][:16],
                       when=approval.get("at", "?")))

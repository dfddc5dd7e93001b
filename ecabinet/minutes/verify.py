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
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import async_validate_pdf_signature, async_validate_pdf_timestamp
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from ..ballots.evidence import EvidenceError, verify_challenge_assertion
from ..i18n import N_
from . import pdfdoc, structure
from .evidence import APPROVAL_FILE_NAME, FORMAT, b64url_decode
from .findings import Msg, Report, Section, failed, passed
from .keycheck import approval_key_problem
from .notice import NOTICE_FORMAT
from .recount import check_evidence
from .register import Register
from .register_pdf import certificate_sha256
from .render import CHAIR_FIELD, SECRETARY_FIELD

ROLES = {SECRETARY_FIELD: Msg(N_("the secretary")), CHAIR_FIELD: Msg(N_("the chair"))}
FIELD_ROLES = {SECRETARY_FIELD: "secretary", CHAIR_FIELD: "chair"}
CAPITAL_ROLES = {SECRETARY_FIELD: Msg(N_("The secretary")), CHAIR_FIELD: Msg(N_("The chair"))}
ACCEPTABLE = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES, ModificationLevel.FORM_FILLING)

# pyHanko logs every suspicious revision with a traceback; the report says it in words.
logging.getLogger("pyhanko").setLevel(logging.CRITICAL)


def load_trust_roots(paths: Iterable[Path]) -> list[Any]:
    load: Any = load_certs_from_pemder  # untyped
    roots: list[Any] = []
    for path in paths:
        roots.extend(load([str(path)]))
    return roots


async def verify_pdf(
    data: bytes,
    *,
    trust_roots: list[Any],
    keys: Register | None = None,
    keys_note: str = "",
    file_name: str = "",
) -> Report:
    """Everything the file proves, as a report; never raises on a damaged or hostile file."""
    report = Report(file_name, hashlib.sha256(data).hexdigest())
    document = report.section(N_("The document"))
    try:
        await _verify(report, document, data, trust_roots, keys, keys_note)
    except Exception as exc:  # whatever a hostile file does, the answer is a report
        logging.getLogger(__name__).debug("verification failed", exc_info=True)
        document.add(
            failed(
                N_("The file is damaged and cannot be checked: %(why)s"),
                why=f"{type(exc).__name__}: {exc}"[:300],
            )
        )
    return report


async def _verify(
    report: Report,
    document: Section,
    data: bytes,
    trust_roots: list[Any],
    keys: Register | None,
    keys_note: str,
) -> None:
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = list(reader.embedded_signatures)
        kind = structure.document_kind(reader)
    except (PdfReadError, ValueError, KeyError, IndexError, TypeError) as exc:
        document.add(failed(N_("The file is not a readable PDF: %(why)s"), why=str(exc)))
        return
    if kind not in (pdfdoc.MINUTES, pdfdoc.NOTICE):
        document.add(
            failed(
                N_(
                    "The first revision of the file does not say that it is minutes "
                    "or a conclusion notice made by e-Cabinet: it is not one, or it "
                    "was made by an older version that this verifier does not "
                    "check."
                )
            )
        )
        return
    _register_finding(report.section(N_("Member key register")), keys, keys_note)
    statuses = await _signatures(
        report.section(N_("Signatures")), reader, signatures, data, trust_roots, keys
    )
    layout = report.section(N_("Structure"))
    by_field = {s.field_name: s for s in signatures}
    _lock(layout, by_field.get(CHAIR_FIELD))
    try:
        draft_files = pdfdoc.embedded_files(reader, root=reader.get_historical_resolver(0).root)
        files = pdfdoc.embedded_files(reader)
    except pdfdoc.UnreadableFile as exc:
        document.add(failed(N_("An attached file cannot be read: %(why)s"), why=str(exc)))
        return
    if kind == pdfdoc.NOTICE:
        _notice(document, layout, reader, by_field, draft_files, files)
        return
    evidence_raw = _minutes_evidence(document, draft_files)
    replaced = sorted(n for n, raw in draft_files.items() if files.get(n) != raw)
    if replaced:
        document.add(
            failed(
                N_(
                    "The attached file %(file)s was replaced after the draft was "
                    "approved: what a reader opens is not what was signed first."
                ),
                file=", ".join(replaced),
            )
        )
    approval_raw = files.get(APPROVAL_FILE_NAME)
    approval = None
    if approval_raw is None or APPROVAL_FILE_NAME in draft_files:
        report.section(N_("The chair's approval")).add(
            failed(
                N_(
                    "The minutes carry no approval of the chair added with the secretary's "
                    "signature: nothing shows that the chair approved this draft."
                )
            )
        )
    else:
        approval = _approval(
            report.section(N_("The chair's approval")),
            approval_raw,
            data,
            keys,
            evidence_raw,
            statuses,
        )
    if approval is not None:
        _secretary_revision(
            layout, reader, by_field.get(SECRETARY_FIELD), approval, set(files) - set(draft_files)
        )
    if evidence_raw is not None:
        digest = hashlib.sha256(evidence_raw).hexdigest()
        draft = data[: approval.length] if approval is not None else data
        if structure.prints_hash(draft, digest):
            layout.add(
                passed(
                    N_(
                        "The SHA-256 of the evidence printed on the page is that of "
                        "the attached evidence file (%(hash)s)."
                    ),
                    hash=digest[:16],
                )
            )
        else:
            layout.add(
                failed(
                    N_(
                        "The page does not print the SHA-256 of the attached evidence "
                        "file (%(hash)s): the evidence is not the one the minutes "
                        "were written with."
                    ),
                    hash=digest[:16],
                )
            )
        check_evidence(report, evidence_raw, keys)


def _register_finding(section: Section, keys: Register | None, note: str) -> None:
    if keys is None:
        section.add(
            failed(
                N_(
                    "No member key register was given, so no passkey and no "
                    "signer's certificate can be checked against the keys the "
                    "body published: pass --keys REGISTER.pdf."
                )
            )
        )
        return
    section.add(
        passed(
            N_(
                "The register of %(body)s, issued at %(when)s and signed by the "
                "secretariat at %(signed)s: %(keys)s passkeys of %(people)s "
                "people."
            ),
            body=keys.body_name,
            when=keys.issued_at.isoformat(timespec="seconds"),
            signed=note or "?",
            keys=sum(len(v) for v in keys.keys.values()),
            people=len(keys.people),
        )
    )


def _minutes_evidence(section: Section, draft_files: dict[str, bytes]) -> bytes | None:
    """The evidence is the one file of the draft in the evidence format, whatever its name."""
    found = [(name, raw) for name, raw in draft_files.items() if _format_of(raw) == FORMAT]
    if len(draft_files) != 1 or len(found) != 1:
        section.add(
            failed(
                N_(
                    "The approved draft must carry exactly one attached file, the "
                    "ballot evidence (%(format)s); it carries %(files)s."
                ),
                format=FORMAT,
                files=", ".join(sorted(draft_files)) or "none",
            )
        )
        return found[0][1] if len(found) == 1 else None
    name, raw = found[0]
    section.add(
        passed(
            N_(
                "Minutes of a session, as the signed first revision says, with the "
                "ballot evidence attached (%(file)s)."
            ),
            file=name,
        )
    )
    return raw


def _format_of(raw: bytes) -> str | None:
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return str(data.get("format")) if isinstance(data, dict) else None


def _notice(
    section: Section,
    layout: Section,
    reader: PdfFileReader,
    by_field: dict[str, EmbeddedPdfSignature],
    draft_files: dict[str, bytes],
    files: dict[str, bytes],
) -> None:
    formats = [_format_of(raw) for raw in draft_files.values()]
    if formats != [NOTICE_FORMAT] or files != draft_files:
        section.add(
            failed(
                N_(
                    "A conclusion notice must carry exactly one attached file, in "
                    "the notice format, from its first revision on."
                )
            )
        )
    else:
        section.add(
            passed(
                N_(
                    "A conclusion notice of a session, as the signed first revision "
                    "says (no ballots; the minutes carry them)."
                )
            )
        )
    secretary = by_field.get(SECRETARY_FIELD)
    if secretary is not None and secretary.signed_revision != 1:
        layout.add(
            failed(
                N_(
                    "Revision %(n)s came between the draft and the secretary's "
                    "signature: the draft was changed before it was signed."
                ),
                n=secretary.signed_revision - 1 if secretary.signed_revision else 0,
            )
        )
    elif secretary is not None:
        _revision_one(layout, reader, added=set())


async def _signatures(
    section: Section,
    reader: PdfFileReader,
    signatures: list[EmbeddedPdfSignature],
    data: bytes,
    trust_roots: list[Any],
    keys: Register | None,
) -> dict[str, Any]:
    regular = [s for s in signatures if s.sig_object_type != "/DocTimeStamp"]
    stamps = [s for s in signatures if s.sig_object_type == "/DocTimeStamp"]
    by_field = {s.field_name: s for s in regular}
    present_fields = set(pdfdoc.signature_field_names(reader))
    for field, role in ROLES.items():
        if field not in present_fields:
            section.add(failed(N_("The document has no signature field for %(role)s."), role=role))
        elif field not in by_field:
            section.add(failed(N_("%(role)s has not signed."), role=CAPITAL_ROLES[field]))
    for name in sorted(set(by_field) - set(ROLES)):
        section.add(
            failed(N_("An unexpected signature is present, in field %(field)s."), field=name)
        )
    if not trust_roots:
        section.add(
            failed(
                N_(
                    "No trusted certificate authority was given, so nobody's "
                    "certificate can be trusted: pass --trust CA.pem."
                )
            )
        )
    context = ValidationContext(trust_roots=trust_roots, allow_fetching=False)
    statuses: dict[str, Any] = {}
    for signature in regular:
        status = await _signature(section, signature, context, trust_roots)
        if status is not None:
            statuses[signature.field_name] = status
            _signer_role(section, signature.field_name, status, keys)
    await _document_time_stamps(section, stamps, by_field.get(CHAIR_FIELD), context)
    _order(section, by_field)
    _nothing_after(section, signatures, data, statuses.get(CHAIR_FIELD))
    return statuses


def _signer_role(section: Section, field: str, status: Any, keys: Register | None) -> None:
    """A signature field is the role's only if the certificate in it is the one the register
    names for that role: the server holds both keys, so trust alone does not tell them apart."""
    if keys is None or field not in FIELD_ROLES:
        return
    role = FIELD_ROLES[field]
    digest = certificate_sha256(status.signing_cert)
    if role in keys.signer_roles(digest):
        section.add(
            passed(
                N_(
                    "The certificate in the field of %(role)s is the one the register "
                    "names for %(role)s."
                ),
                role=ROLES[field],
            )
        )
        return
    other = [r for r in keys.signer_roles(digest) if r != role]
    section.add(
        failed(
            N_(
                "The field of %(role)s is signed with a certificate that the register "
                "does not name for %(role)s (%(signer)s%(other)s)."
            ),
            role=ROLES[field],
            signer=_common_name(status.signing_cert),
            other=f", registered for the {other[0]}" if other else "",
        )
    )


async def _document_time_stamps(
    section: Section,
    stamps: list[EmbeddedPdfSignature],
    chair: EmbeddedPdfSignature | None,
    context: ValidationContext,
) -> None:
    """PAdES B-LTA adds, after the chair's signature, validation data and a document time
    stamp: allowed there and only there, and each must be intact and trusted."""
    for stamp in stamps:
        if chair is None or stamp.signed_revision <= chair.signed_revision:
            section.add(
                failed(
                    N_(
                        "A document time stamp comes before the chair's signature, "
                        "where none belongs."
                    )
                )
            )
            continue
        try:
            status = await async_validate_pdf_timestamp(stamp, validation_context=context)
        except Exception as exc:  # a malformed time stamp is a finding, not a crash
            section.add(
                failed(
                    N_("A document time stamp cannot be validated: %(why)s"),
                    why=str(exc) or type(exc).__name__,
                )
            )
            continue
        if status.intact and status.valid and status.trusted:
            section.add(
                passed(
                    N_(
                        "A document time stamp of %(when)s seals the validation data (PAdES B-LTA)."
                    ),
                    when=status.timestamp.isoformat(timespec="seconds"),
                )
            )
        else:
            section.add(
                failed(
                    N_(
                        "A document time stamp does not verify or is not from a "
                        "trusted time-stamp authority."
                    )
                )
            )


async def _signature(
    section: Section,
    signature: EmbeddedPdfSignature,
    context: ValidationContext,
    trust_roots: list[Any],
) -> Any:
    role = ROLES.get(signature.field_name, Msg(signature.field_name))
    trusting = bool(trust_roots)
    try:
        status = await async_validate_pdf_signature(signature, context)
        stamp = status.timestamp_validity
        if trusting and not status.trusted and stamp is not None and stamp.trusted:
            # The certificate may have expired since: an independent time stamp proves the
            # signature existed at its time, so the chain is judged at that moment.
            then = ValidationContext(
                trust_roots=trust_roots, allow_fetching=False, moment=stamp.timestamp
            )
            status = await async_validate_pdf_signature(signature, then)
    except Exception as exc:  # a malformed signature is a finding, not a crash
        section.add(
            failed(
                N_("The signature of %(role)s cannot be validated: %(why)s"),
                role=role,
                why=str(exc) or type(exc).__name__,
            )
        )
        return None
    signer = _common_name(status.signing_cert)
    when = (
        status.signer_reported_dt.isoformat(timespec="seconds")
        if status.signer_reported_dt
        else "?"
    )
    if not status.intact:
        section.add(
            failed(
                N_(
                    "The signature of %(role)s (%(signer)s) does not match the "
                    "document: the signed content was changed after signing (digest "
                    "mismatch)."
                ),
                role=role,
                signer=signer,
            )
        )
    elif not status.valid:
        section.add(
            failed(
                N_(
                    "The signature of %(role)s (%(signer)s) is not a valid signature "
                    "of its certificate's key."
                ),
                role=role,
                signer=signer,
            )
        )
    else:
        section.add(
            passed(
                N_(
                    "The signature of %(role)s is intact and valid: %(signer)s, signed at %(when)s."
                ),
                role=role,
                signer=signer,
                when=when,
            )
        )
    if trusting and not status.trusted:
        section.add(
            failed(
                N_(
                    "The certificate of %(role)s (%(signer)s) is not issued by a trusted authority."
                ),
                role=role,
                signer=signer,
            )
        )
    elif status.trusted:
        section.add(
            passed(N_("The certificate of %(role)s chains to a trusted authority."), role=role)
        )
    if status.modification_level not in ACCEPTABLE or not status.docmdp_ok:
        level = status.modification_level.name if status.modification_level else "unknown"
        section.add(
            failed(
                N_(
                    "The document was changed after %(role)s signed, in a way a signed "
                    "document does not allow (%(level)s)."
                ),
                role=role,
                level=level,
            )
        )
    if status.timestamp_validity is not None:
        section.add(
            passed(
                N_("The signature of %(role)s carries a time stamp of %(when)s."),
                role=role,
                when=status.timestamp_validity.timestamp.isoformat(),
            )
        )
    return status


def _common_name(certificate: Any) -> str:
    name = certificate.subject.native.get("common_name")
    return str(name) if name else str(certificate.subject.human_friendly)


def _order(section: Section, by_field: dict[str, EmbeddedPdfSignature]) -> None:
    secretary, chair = by_field.get(SECRETARY_FIELD), by_field.get(CHAIR_FIELD)
    if (
        secretary is not None
        and chair is not None
        and secretary.signed_revision > chair.signed_revision
    ):
        section.add(failed(N_("The chair signed before the secretary; the secretary signs first.")))


def _nothing_after(
    section: Section, signatures: list[EmbeddedPdfSignature], data: bytes, chair: Any = None
) -> None:
    """The last signature must cover the whole file: anything after it is unsigned, unless
    it is validation data (the DSS that PAdES B-LTA adds after its document time stamp),
    which pyHanko's difference analysis of the chair's locking signature tells apart."""
    if not signatures:
        return
    last = max(signatures, key=lambda s: s.signed_revision)
    if last.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        section.add(passed(N_("Nothing was added to the file after the last signature.")))
        return
    if (
        last.sig_object_type == "/DocTimeStamp"
        and chair is not None
        and chair.modification_level in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)
    ):
        section.add(
            passed(
                N_(
                    "After the last time stamp only validation data (DSS) was "
                    "added, as PAdES B-LTA does."
                )
            )
        )
        return
    start, length = last.byte_range[2], last.byte_range[3]
    appended = len(data) - (int(start) + int(length))
    section.add(
        failed(
            N_(
                "%(n)s bytes were appended after the last signature, in an unsigned "
                "revision: the document was changed after it was signed."
            ),
            n=appended,
        )
    )


def _lock(section: Section, chair: EmbeddedPdfSignature | None) -> None:
    if chair is None:
        return
    if structure.locks_document(chair):
        section.add(
            passed(
                N_(
                    "The chair's signature locks the document: no further signature "
                    "or annotation is allowed after it."
                )
            )
        )
    else:
        section.add(
            failed(
                N_(
                    "The chair's signature does not lock the document (its field has "
                    "no DocMDP/FieldMDP lock), so later changes would be allowed."
                )
            )
        )


def _revision_one(section: Section, reader: PdfFileReader, *, added: set[str]) -> None:
    review = structure.review_secretary_revision(reader, APPROVAL_FILE_NAME)
    if isinstance(review, str):
        section.add(
            failed(
                N_(
                    "The secretary's signature adds more to the approved draft than "
                    "the chair's approval: %(why)s"
                ),
                why=review,
            )
        )
        return
    other = set(review.changed_form_fields) - {SECRETARY_FIELD}
    if other:
        section.add(
            failed(
                N_("The secretary's revision also fills %(fields)s."),
                fields=", ".join(sorted(other)),
            )
        )
        return
    section.add(
        passed(
            N_(
                "The secretary's signature covers exactly the approved draft plus "
                "%(files)s, and nothing else."
            ),
            files=", ".join(sorted(added)) or "—",
        )
    )


def _secretary_revision(
    section: Section,
    reader: PdfFileReader,
    secretary: EmbeddedPdfSignature | None,
    approval: Approval,
    added: set[str],
) -> None:
    if secretary is None:
        return
    if secretary.signed_revision != 1 or not structure.draft_boundary_ok(reader, approval.length):
        section.add(
            failed(
                N_(
                    "The secretary did not sign the approved draft itself: revision "
                    "%(n)s is signed, and something was added between the draft the "
                    "chair approved and the secretary's signature."
                ),
                n=secretary.signed_revision,
            )
        )
        return
    if added != {APPROVAL_FILE_NAME}:
        section.add(
            failed(
                N_(
                    "The secretary's signature adds %(files)s; only the chair's "
                    "approval may be added."
                ),
                files=", ".join(sorted(added)),
            )
        )
        return
    _revision_one(section, reader, added=added)


@dataclass(frozen=True)
class Approval:
    length: int
    at: datetime


def _approval(
    section: Section,
    raw: bytes,
    data: bytes,
    keys: Register | None,
    evidence_raw: bytes | None,
    statuses: dict[str, Any],
) -> Approval | None:
    try:
        approval = json.loads(raw)
        length = int(approval["draftLength"])
        if not 0 < length < len(data):
            raise ValueError(f"the draft length {length} is outside the file")
        draft_hash = hashlib.sha256(data[:length]).digest()
        if draft_hash.hex() != approval["draftSha256"]:
            section.add(
                failed(
                    N_(
                        "The approval names a draft whose hash is not that of the "
                        "document's first revision."
                    )
                )
            )
            return None
        verify_challenge_assertion(
            challenge=draft_hash,
            authenticator_data=b64url_decode(approval["authenticatorData"]),
            client_data_json=b64url_decode(approval["clientDataJSON"]),
            signature=b64url_decode(approval["signature"]),
            public_key_spki_pem=approval["publicKey"],
            expected_origin=approval["origin"],
            expected_rp_id=approval["rpId"],
        )
        at = datetime.fromisoformat(str(approval["at"]))
    except EvidenceError as exc:
        section.add(
            failed(N_("The chair's passkey approval does not verify: %(why)s"), why=str(exc))
        )
        return None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        section.add(failed(N_("The approval record is unreadable: %(why)s"), why=str(exc)))
        return None
    section.add(
        passed(
            N_(
                "%(name)s approved exactly this draft (SHA-256 %(hash)s) with a "
                "passkey at %(when)s; the passkey's signature verifies."
            ),
            name=approval.get("name", "?"),
            hash=approval["draftSha256"][:16],
            when=approval.get("at", "?"),
        )
    )
    if keys is not None:
        problem = approval_key_problem(keys, approval, at, _chair_of(evidence_raw))
        if problem:
            section.add(
                failed(
                    N_("The approval's passkey is not the chair's registered key: %(why)s"),
                    why=problem,
                )
            )
        else:
            section.add(
                passed(
                    N_(
                        "The approval's passkey is in the register, the chair's, "
                        "valid at the time of approval."
                    )
                )
            )
    return Approval(length, at)


def _chair_of(evidence_raw: bytes | None) -> int | None:
    try:
        value = json.loads(evidence_raw or b"{}")["meeting"]["chairMembership"]
        return None if value is None else int(value)
    except (ValueError, KeyError, TypeError):
        return None

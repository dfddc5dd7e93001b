"""The tamper suite of issue 11: forgeries a dishonest operator can make while holding both
PAdES keys. Each must FAIL verification with a message naming the problem; the genuine
minutes pass. The genuine file is built once for the module."""

from __future__ import annotations

import copy
import json
import zlib
from pathlib import Path
from typing import Any

import anyio
import pytest
from pyhanko.sign import fields, signers

from ecabinet.cli import main
from ecabinet.minutes import evidence, pdfdoc
from ecabinet.minutes.evidence import APPROVAL_FILE_NAME
from ecabinet.minutes.notice import NOTICE_FILE_NAME
from ecabinet.minutes.render import CHAIR_FIELD, SECRETARY_FIELD
from ecabinet.minutes.sign import sign_pdf

from .support.minutes_tamper import (
    Genuine,
    approve,
    device_key,
    draft_with,
    evidence_of,
    flip_to_against,
    fresh_device,
    incremental,
    problems,
    redrafted,
    resign_ballot,
    rewrite_first_page,
    server_signed,
    sign_both,
)


def has(found: list[str], *words: str) -> bool:
    return any(all(w in p for w in words) for p in found)


def without_a_ballot(proof: dict[str, Any]) -> dict[str, Any]:
    """The first vote's fourth ballot taken out, and its outcome recounted to match."""
    vote = proof["votes"][0]
    removed = vote["ballots"].pop(3)
    vote["outcome"][removed["payload"]["choice"]] -= 1
    return proof


async def verify_command(genuine: Genuine, pdf: bytes, register: bytes, folder: Path) -> int:
    """``ecabinet minutes verify`` (in English) on ``pdf`` with the key register
    ``register`` and the genuine trust root: its exit code; its report is on stdout."""
    path, register_path = folder / "bien-ban.pdf", folder / "register.pdf"
    path.write_bytes(pdf)
    register_path.write_bytes(register)
    trust = str(genuine.signing.ca_certificate)
    return await anyio.to_thread.run_sync(
        main,
        [
            "minutes",
            "verify",
            str(path),
            "--trust",
            trust,
            "--keys",
            str(register_path),
            "--lang",
            "en",
        ],
    )


async def test_genuine_minutes_verify_with_the_register(genuine: Genuine) -> None:
    assert await problems(genuine.pdf, genuine) == []


async def test_without_a_register_nothing_is_trusted(genuine: Genuine) -> None:
    found = await problems(genuine.pdf, genuine, keys=False)
    assert has(found, "No member key register was given"), found


async def test_a_ballot_removed_and_the_outcome_edited_in_a_new_draft_fails(
    genuine: Genuine,
) -> None:
    proof = without_a_ballot(evidence_of(genuine))
    forged = await redrafted(genuine, proof)
    found = await problems(forged, genuine)
    assert has(
        found, "The approval names a draft whose hash is not that of the document's first revision"
    ), found


async def test_evidence_swapped_in_a_revision_before_the_secretary_signed_fails(
    genuine: Genuine,
) -> None:
    proof = without_a_ballot(evidence_of(genuine))

    def swap(writer: Any) -> None:
        from pyhanko.pdf_utils import embed

        names = writer.root["/Names"]["/EmbeddedFiles"]["/Names"]
        spec = names[1].get_object()
        replacement = embed.EmbeddedFileObject.from_file_data(writer, evidence.to_bytes(proof))
        spec["/EF"]["/F"] = replacement.ef_stream_ref
        writer.update_container(spec)

    forged = await server_signed(genuine, incremental(genuine.draft, swap), genuine.approval)
    found = await problems(forged, genuine)
    assert has(found, "The secretary did not sign the approved draft itself"), found


async def test_a_ballot_flipped_and_re_signed_with_a_fresh_passkey_fails(genuine: Genuine) -> None:
    proof = evidence_of(genuine)
    vote = proof["votes"][0]
    ballot = vote["ballots"][0]
    assert ballot["payload"]["choice"] == "for"
    device = fresh_device()
    flip_to_against(vote, ballot, device)
    forged = await redrafted(genuine, proof)
    found = await problems(forged, genuine)
    assert has(
        found,
        "Vote 1, ballot",
        "the voter's passkey: its public key is not in the member key register",
    ), found


async def test_a_ballot_signed_over_other_versions_of_the_text_fails(genuine: Genuine) -> None:
    """A ballot whose signed payload names another version than the one frozen when the
    vote opened is not a vote on that text, however valid its signature."""
    proof = evidence_of(genuine)
    vote = proof["votes"][0]
    assert vote["texts"] and vote["ballots"][0]["payload"]["texts"] == vote["texts"]
    ballot = vote["ballots"][0]
    device = fresh_device()
    other = [dict(vote["texts"][0], version=1, sha256="ab" * 32)]
    resign_ballot(ballot, dict(ballot["payload"], texts=other), device)
    forged = await redrafted(genuine, proof)
    found = await problems(forged, genuine, keys=False)
    assert has(
        found,
        "Vote 1, ballot",
        "the ballot names other document versions than those frozen when the vote opened",
    ), found


async def test_the_approval_left_out_fails(genuine: Genuine) -> None:
    forged = await server_signed(genuine, genuine.draft, None)
    found = await problems(forged, genuine)
    assert has(found, "The minutes carry no approval of the chair"), found


async def test_an_approval_forged_with_a_fresh_passkey_fails(genuine: Genuine) -> None:
    device = fresh_device()
    forged_approval = approve(genuine.draft, device, device_key(device), name="Trần Quốc Khải")
    forged = await server_signed(genuine, genuine.draft, forged_approval)
    found = await problems(forged, genuine)
    assert has(
        found,
        "The approval's passkey is not the chair's registered key",
        "not in the member key register",
    ), found


async def test_an_approval_by_another_members_real_passkey_fails(genuine: Genuine) -> None:
    session = genuine.session
    other = next(pid for pid in session.devices if pid != session.chair_person_id)
    device = session.devices[other]
    forged_approval = approve(genuine.draft, device, device_key(device), name="Trần Quốc Khải")
    forged = await server_signed(genuine, genuine.draft, forged_approval)
    found = await problems(forged, genuine)
    assert has(
        found, "The approval's passkey is not the chair's registered key", "not for this member"
    ), found


async def test_evidence_renamed_as_a_notice_fails(genuine: Genuine) -> None:
    proof = evidence_of(genuine)
    draft = draft_with(genuine.record, proof, name=NOTICE_FILE_NAME, kind=pdfdoc.NOTICE)
    forged = await server_signed(genuine, draft, None)
    found = await problems(forged, genuine)
    assert has(
        found, "A conclusion notice must carry exactly one attached file, in the notice format"
    ), found


async def test_evidence_renamed_in_minutes_is_still_checked(genuine: Genuine) -> None:
    proof = evidence_of(genuine)
    proof["votes"][0]["outcome"]["for"] += 5
    draft = draft_with(genuine.record, proof, name=NOTICE_FILE_NAME)
    forged = await server_signed(genuine, draft, genuine.approval)
    found = await problems(forged, genuine)
    assert has(found, "Vote 1: the recount from the evidence gives 20 for"), found


async def test_the_chairs_field_signed_with_the_secretarys_key_fails(genuine: Genuine) -> None:
    forged = await sign_both(
        genuine.draft, genuine.approval, genuine.signing.secretary, genuine.signing.secretary
    )
    found = await problems(forged, genuine)
    assert has(
        found,
        "The field of the chair is signed with a certificate that the register "
        "does not name for the chair",
        "registered for the secretary",
    ), found


async def test_a_secret_votes_counts_changed_fails(genuine: Genuine) -> None:
    proof = evidence_of(genuine)
    secret = proof["votes"][1]
    assert secret["secret"]
    secret["outcome"]["for"] += 1
    secret["outcome"]["against"] -= 1
    forged = await redrafted(genuine, proof)
    found = await problems(forged, genuine)
    assert has(
        found, "Vote 2 (secret ballot): the receipts' choices recount to 13 for, 10 against"
    ), found


async def test_a_secret_receipts_choice_changed_fails(genuine: Genuine) -> None:
    proof = evidence_of(genuine)
    secret = proof["votes"][1]
    entry = next(b for b in secret["secretBallots"] if b["choice"] == "against")
    entry["choice"] = "for"
    forged = await redrafted(genuine, proof)
    found = await problems(forged, genuine)
    assert has(found, "receipts' choices recount to 14 for, 9 against"), found


async def test_page_text_changed_in_a_revision_before_the_secretary_signed_fails(
    genuine: Genuine,
) -> None:
    forged = await server_signed(
        genuine, incremental(genuine.draft, rewrite_first_page), genuine.approval
    )
    found = await problems(forged, genuine)
    assert has(found, "The secretary did not sign the approved draft itself"), found


async def test_page_text_changed_in_the_secretarys_own_revision_fails(genuine: Genuine) -> None:
    from pyhanko.sign.signers import PdfSignatureMetadata

    writer = pdfdoc.incremental(genuine.draft)
    pdfdoc.attach(writer, APPROVAL_FILE_NAME, json.dumps(genuine.approval).encode())
    rewrite_first_page(writer)
    meta = PdfSignatureMetadata(field_name=SECRETARY_FIELD, md_algorithm="sha256")
    async with genuine.signing.secretary.open() as secretary:
        signed: Any = await signers.PdfSigner(meta, secretary).async_sign_pdf(
            writer, existing_fields_only=True
        )
    forged = await sign_pdf(signed.getvalue(), field=CHAIR_FIELD, key=genuine.signing.chair)
    found = await problems(forged, genuine)
    assert has(
        found, "The secretary's signature adds more to the approved draft than the chair's approval"
    ), found


async def test_a_third_signature_after_the_chair_fails(genuine: Genuine) -> None:
    writer = pdfdoc.incremental(genuine.pdf)
    fields.append_signature_field(writer, fields.SigFieldSpec("Witness"))
    meta = signers.PdfSignatureMetadata(field_name="Witness", md_algorithm="sha256")
    async with genuine.signing.secretary.open() as secretary:
        signed: Any = await signers.PdfSigner(meta, secretary).async_sign_pdf(writer)
    found = await problems(signed.getvalue(), genuine)
    assert has(found, "The document was changed after the chair signed"), found
    assert has(found, "An unexpected signature is present, in field Witness"), found


def _evidence_stream_offset(pdf: bytes) -> int:
    """Where the compressed evidence's bytes sit in the file (found by inflating each
    stream until one gives back the evidence)."""
    start = 0
    for _ in range(10_000):
        start = pdf.find(b"stream\n", start)
        if start < 0:
            break
        start += len(b"stream\n")
        try:
            data = zlib.decompressobj().decompress(pdf[start : start + 400_000], 64)
        except zlib.error:
            continue
        if data.startswith(b'{\n "auditHead"'):
            return start
    raise AssertionError("no evidence stream")


async def test_a_byte_flipped_in_the_compressed_evidence_gives_a_report_not_a_traceback(
    genuine: Genuine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    offset = _evidence_stream_offset(genuine.pdf) + 200
    forged = bytearray(genuine.pdf)
    forged[offset] ^= 0xFF
    code = await verify_command(genuine, bytes(forged), genuine.register_pdf, tmp_path)
    out = capsys.readouterr().out
    assert code == 1, out
    assert "Traceback" not in out and "RESULT: NOT VERIFIED" in out
    assert (
        "the compressed stream of the embedded file ecabinet-evidence.json is damaged" in out
        or "An attached file cannot be read" in out
    ), out
    assert "digest mismatch" in out


async def test_the_command_line_accepts_the_genuine_minutes_with_the_register(
    genuine: Genuine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await verify_command(genuine, genuine.pdf, genuine.register_pdf, tmp_path)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "RESULT: VERIFIED" in out
    assert "The chair's signature locks the document" in out


async def test_a_register_changed_after_signing_is_refused(
    genuine: Genuine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await verify_command(
        genuine, genuine.pdf, genuine.register_pdf + b"\n% appended\n", tmp_path
    )
    out = capsys.readouterr().out
    assert code == 1 and "the register was changed after it was signed" in out, out


async def test_a_key_revoked_before_the_vote_fails(genuine: Genuine) -> None:
    register = copy.deepcopy(genuine.register)
    for entries in register.keys.values():
        entries[:] = [
            e.__class__(
                e.person,
                e.credential_id,
                e.fingerprint,
                e.enrolled_at,
                e.enrolled_at,
                e.approved_by,
            )
            for e in entries
        ]
    from ecabinet.minutes.verify import verify_pdf

    report = await verify_pdf(genuine.pdf, trust_roots=genuine.roots, keys=register)
    texts = [f.text(lambda m, **p: m % p if p else m) for f in report.problems]
    assert has(texts, "the voter's passkey: the key was revoked at"), texts


async def test_damaged_and_hostile_files_give_a_report_not_a_traceback(genuine: Genuine) -> None:
    from ecabinet.minutes.verify import verify_pdf

    half = genuine.pdf[: len(genuine.pdf) // 2]
    garbage = b"%PDF-1.7\n" + bytes(range(256)) * 40
    for damaged in (
        b"",
        b"not a pdf",
        garbage,
        half,
        genuine.pdf[:-40],
        genuine.pdf.replace(b"/ECabinet", b"/Xcabinet"),
    ):
        report = await verify_pdf(damaged, trust_roots=genuine.roots, keys=genuine.register)
        assert not report.ok and report.problems, damaged[:20]


async def test_an_evidence_stream_that_inflates_past_the_bound_is_refused(genuine: Genuine) -> None:
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(genuine.pdf))
    with pytest.raises(pdfdoc.UnreadableFile, match="inflates to more than 1000 bytes"):
        pdfdoc.embedded_files(reader, limit=1000)
    bomb = b"{" + b" " * (pdfdoc.MAX_EMBEDDED_FILE + 10) + b"}"
    draft = draft_with(genuine.record, evidence_of(genuine))
    forged = await server_signed(
        genuine, incremental(draft, lambda w: pdfdoc.attach(w, "x.json", bomb)), None
    )
    found = await problems(forged, genuine)
    assert has(found, "An attached file cannot be read", "inflates to more than"), found


async def test_a_damaged_register_is_refused_by_name(genuine: Genuine) -> None:
    from ecabinet.minutes.register import RegisterError
    from ecabinet.minutes.register_pdf import read_register

    for damaged in (b"", b"%PDF-1.7\nxx", genuine.register_pdf[:2000], genuine.pdf):
        with pytest.raises(RegisterError):
            await read_register(damaged, trust_roots=genuine.roots)

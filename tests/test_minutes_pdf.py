"""Signed minutes: the PDF says what the session did, in Vietnamese that text tools read
back exactly; both signatures validate with pyHanko and with poppler's pdfsig; and the
verifier fails, naming the problem, on every kind of tampering."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
from pathlib import Path
from typing import Any

import anyio
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields

from ecabinet.actions.minutes_drafts import make_drafts
from ecabinet.cli import main
from ecabinet.db import Database
from ecabinet.minutes import evidence, pdfdoc
from ecabinet.minutes.ca import DemoSigning, prepare_demo_signing
from ecabinet.minutes.collect import collect
from ecabinet.minutes.labels import short_receipt
from ecabinet.minutes.record import MinutesRecord
from ecabinet.minutes.render import CHAIR_FIELD, SECRETARY_FIELD, EvidenceSummary, render_minutes
from ecabinet.minutes.sign import sign_pdf
from ecabinet.minutes.verify import load_trust_roots, verify_pdf
from ecabinet.settings import Settings

from .support.minutes import VOTED_TEXT, VOTED_VERSIONS, ClosedSession, build_closed_session
from .support.minutes_signing import pdfsig

HEADINGS_VI = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "BIÊN BẢN",
    "I. THÀNH PHẦN THAM DỰ",
    "II. CÁC NỘI DUNG THÔNG QUA THEO DANH MỤC ĐỒNG THUẬN",
    "III. CÁC NỘI DUNG THẢO LUẬN VÀ BIỂU QUYẾT",
    "IV. KẾT QUẢ LẤY Ý KIẾN THÀNH VIÊN BẰNG VĂN BẢN TỪ PHIÊN HỌP TRƯỚC",
    "V. KẾT LUẬN CỦA CHỦ TỌA",
    "VI. BẰNG CHỨNG ĐIỆN TỬ",
    "THƯ KÝ",
    "CHỦ TỌA",
]


@pytest.fixture
def signing(tmp_path: Path) -> DemoSigning:
    return prepare_demo_signing(
        tmp_path / "signing",
        secretary_name="Nghiêm Thị Hồng Vân",
        chair_name="Trần Quốc Khải",
        organization="Chính phủ",
    )


async def record_of(db: Database, settings: Settings, session: ClosedSession) -> MinutesRecord:
    async with db.read() as read:
        return await collect(
            read,
            settings,
            session.meeting_id,
            secretary_membership_id=session.secretary_membership_id,
        )


def draft_with(record: MinutesRecord, proof: dict[str, Any]) -> bytes:
    """The unsigned minutes with the given evidence (a dishonest server's draft when the
    evidence was altered)."""
    data = evidence.to_bytes(proof)
    laid_out = render_minutes(
        record, EvidenceSummary(hashlib.sha256(data).hexdigest(), evidence.ballot_count(proof))
    )
    return pdfdoc.prepare(
        laid_out.data,
        laid_out.fields,
        {evidence.FILE_NAME: data},
        kind=pdfdoc.MINUTES,
        lock_field=CHAIR_FIELD,
    )


async def signed(draft: bytes, signing: DemoSigning) -> bytes:
    once = await sign_pdf(draft, field=SECRETARY_FIELD, key=signing.secretary)
    return await sign_pdf(once, field=CHAIR_FIELD, key=signing.chair)


async def problems(pdf: bytes, signing: DemoSigning) -> list[str]:
    report = await verify_pdf(pdf, trust_roots=load_trust_roots([signing.ca_certificate]))
    return [f.text(lambda m, **p: m % p if p else m) for f in report.problems]


@pytest.fixture
async def session(db: Database, settings: Settings) -> ClosedSession:
    return await build_closed_session(db, settings)


@pytest.fixture
async def record(db: Database, settings: Settings, session: ClosedSession) -> MinutesRecord:
    return await record_of(db, settings, session)


@pytest.fixture
async def minutes_pdf(record: MinutesRecord, signing: DemoSigning) -> bytes:
    return await signed(make_drafts(record, "vi").minutes, signing)


def text_of(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_the_unsigned_draft_has_both_empty_signature_fields(record: MinutesRecord) -> None:
    draft = make_drafts(record, "vi").minutes
    found = {
        name: value
        for name, value, _ref in fields.enumerate_sig_fields(PdfFileReader(io.BytesIO(draft)))
    }
    assert found == {SECRETARY_FIELD: None, CHAIR_FIELD: None}


async def test_signed_minutes_verify_and_pdftotext_gives_back_the_vietnamese(
    minutes_pdf: bytes,
    signing: DemoSigning,
    session: ClosedSession,
    tmp_path: Path,
) -> None:
    found = await problems(minutes_pdf, signing)
    # Verified in full (with the approval and the key register) in test_minutes_tamper.py;
    # here the signatures themselves are sound.
    assert not any("signature of" in p for p in found), found
    lines = text_of(minutes_pdf, tmp_path).splitlines()
    text = " ".join(lines)  # a long heading wraps onto a second line
    for heading in HEADINGS_VI:
        assert heading in text, heading
    assert "BIÊN BẢN" in lines and "I. THÀNH PHẦN THAM DỰ" in lines
    for name in session.member_names:
        assert name in text, name
    assert "Kết quả: thông qua." in text and "Kết quả: không thông qua." in text
    assert (
        "có mặt 24/27 thành viên; cần 18 thành viên để đủ số lượng tối thiểu. Phiên "
        "họp đủ điều kiện tiến hành." in text
    )
    assert "Vắng mặt (2):" in text and "Lưu Đức Thịnh, Thứ trưởng Bộ Tài chính, dự thay" in text
    # The minutes name the text voted on: title, version and the start of its SHA-256.
    voted = short_receipt(hashlib.sha256(VOTED_VERSIONS[1]).hexdigest())
    assert f"Văn bản được biểu quyết: {VOTED_TEXT}, phiên bản 2 (SHA-256 {voted}…)." in text


def test_the_english_rendering(record: MinutesRecord, tmp_path: Path) -> None:
    text = text_of(make_drafts(record, "en").minutes, tmp_path)
    for heading in (
        "SOCIALIST REPUBLIC OF VIET NAM",
        "MINUTES",
        "I. ATTENDANCE",
        "III. ITEMS DEBATED AND VOTED ON",
        "Result: adopted.",
    ):
        assert heading in text, heading
    assert record.debated_items[0].title_en in " ".join(text.splitlines())
    voted = short_receipt(hashlib.sha256(VOTED_VERSIONS[1]).hexdigest())
    assert f"Text voted on: {VOTED_TEXT}, version 2 (SHA-256 {voted}…)." in " ".join(
        text.splitlines()
    )


def test_typed_text_is_normalised_to_nfc(record: MinutesRecord, tmp_path: Path) -> None:
    import dataclasses
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "Thống nhất về chủ trương, giao Bộ Tài chính")
    item = dataclasses.replace(record.debated_items[0], discussion_notes=decomposed)
    changed = dataclasses.replace(record, debated_items=(item, *record.debated_items[1:]))
    text = text_of(make_drafts(changed, "vi").minutes, tmp_path)
    assert unicodedata.normalize("NFC", decomposed) in text


def test_the_evidence_holds_every_open_ballot_and_only_receipts_of_the_secret_vote(
    record: MinutesRecord,
) -> None:
    reader = PdfFileReader(io.BytesIO(make_drafts(record, "vi").minutes))
    proof = json.loads(pdfdoc.embedded_files(reader)[evidence.FILE_NAME])
    open_vote, secret_vote, written = proof["votes"]
    assert len(open_vote["ballots"]) == 25 and open_vote["outcome"]["for"] == 20
    assert secret_vote["secret"] and secret_vote["ballots"] == []
    assert len(secret_vote["secretBallots"]) == len(secret_vote["voted"]) == 25
    assert {"receipt", "choice"} == set(secret_vote["secretBallots"][0])
    receipts = [b["receipt"] for b in secret_vote["secretBallots"]]
    assert receipts == sorted(receipts)  # in receipt order: nothing links them to voters
    assert written["kind"] == "written" and len(written["ballots"]) == 23
    assert proof["auditHead"]["hash"] == record.audit_head.hash
    assert proof["origin"] == record.origin and proof["rpId"] == record.rp_id
    ballot = open_vote["ballots"][0]
    assert {"payload", "authenticatorData", "clientDataJSON", "signature", "publicKey"} <= set(
        ballot
    )
    # Each ballot signed the versions frozen when its vote opened, as the vote lists them.
    frozen = [
        {
            "document": open_vote["texts"][0]["document"],
            "title": VOTED_TEXT,
            "version": 2,
            "sha256": hashlib.sha256(VOTED_VERSIONS[1]).hexdigest(),
        }
    ]
    assert open_vote["texts"] == frozen
    assert all(b["payload"]["texts"] == frozen for b in open_vote["ballots"])
    assert written["texts"] == [] and written["ballots"][0]["payload"]["texts"] == []


async def test_pdfsig_reports_both_signatures_valid_trusting_the_demo_ca(
    minutes_pdf: bytes,
    signing: DemoSigning,
    tmp_path: Path,
) -> None:
    output = pdfsig(minutes_pdf, signing.ca_certificate, tmp_path)
    assert output.count("Signature Validation: Signature is Valid.") == 2, output
    assert output.count("Certificate Validation: Certificate is Trusted.") == 2, output
    assert "Signer Certificate Common Name: Trần Quốc Khải" in output


async def test_one_byte_changed_in_the_signed_content_fails(
    minutes_pdf: bytes,
    signing: DemoSigning,
) -> None:
    start = minutes_pdf.index(b"stream", len(minutes_pdf) // 4) + 40
    forged = bytearray(minutes_pdf)
    forged[start] ^= 0x01
    found = await problems(bytes(forged), signing)
    assert any("digest mismatch" in p and "the secretary" in p for p in found), found
    assert any("digest mismatch" in p and "the chair" in p for p in found), found


async def test_an_unsigned_revision_appended_after_signing_fails(
    minutes_pdf: bytes,
    signing: DemoSigning,
) -> None:
    from pyhanko.pdf_utils import generic

    writer = pdfdoc.incremental(minutes_pdf)
    # Even a harmless-looking change: the document's language.
    writer.root[generic.pdf_name("/Lang")] = generic.TextStringObject("en")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    found = await problems(out.getvalue(), signing)
    assert any("appended after the last signature, in an unsigned revision" in p for p in found), (
        found
    )


async def test_a_page_rewritten_in_an_appended_revision_fails_the_difference_analysis(
    minutes_pdf: bytes,
    signing: DemoSigning,
) -> None:
    from pyhanko.pdf_utils import generic

    writer = pdfdoc.incremental(minutes_pdf)
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 700 Td (FORGED) Tj ET")
    page[generic.pdf_name("/Contents")] = writer.add_object(stream)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    found = await problems(out.getvalue(), signing)
    assert any("was changed after the chair signed" in p for p in found), found


async def test_a_ballot_choice_changed_in_the_evidence_fails(
    record: MinutesRecord,
    signing: DemoSigning,
) -> None:
    proof = evidence.evidence_of(record)
    ballot = proof["votes"][0]["ballots"][0]
    assert ballot["payload"]["choice"] == "for"
    ballot["payload"]["choice"] = "against"
    # Signed by both signatories: only the evidence itself can reveal the change.
    found = await problems(await signed(draft_with(record, proof), signing), signing)
    assert any(
        p.startswith("Vote 1, ballot") and "Trần Quốc Khải" in p and "the ballot was altered" in p
        for p in found
    ), found
    assert any("the recount from the evidence gives 19 for" in p for p in found), found


async def test_a_choice_and_its_receipt_changed_together_still_fails_the_signature_check(
    record: MinutesRecord,
    signing: DemoSigning,
) -> None:
    from ecabinet.ballots.evidence import canonical_json

    proof = evidence.evidence_of(record)
    ballot = proof["votes"][0]["ballots"][0]
    ballot["payload"]["choice"] = "against"
    ballot["receipt"] = hashlib.sha256(canonical_json(ballot["payload"])).hexdigest()
    found = await problems(await signed(draft_with(record, proof), signing), signing)
    assert any("challenge mismatch" in p for p in found), found


async def test_a_ballot_removed_from_the_evidence_fails(
    record: MinutesRecord,
    signing: DemoSigning,
) -> None:
    proof = evidence.evidence_of(record)
    del proof["votes"][0]["ballots"][3]
    found = await problems(await signed(draft_with(record, proof), signing), signing)
    assert any(
        "the minutes record 25 ballots but the evidence holds 24: 1 missing" in p for p in found
    ), found


async def test_evidence_replaced_after_signing_fails_twice(
    minutes_pdf: bytes,
    record: MinutesRecord,
    signing: DemoSigning,
) -> None:
    proof = evidence.evidence_of(record)
    proof["votes"][0]["ballots"][0]["payload"]["choice"] = "against"
    writer = pdfdoc.incremental(minutes_pdf)
    names = writer.root["/Names"]["/EmbeddedFiles"]["/Names"]
    spec = names[1].get_object()
    from pyhanko.pdf_utils import embed

    replacement = embed.EmbeddedFileObject.from_file_data(writer, evidence.to_bytes(proof))
    spec["/EF"]["/F"] = replacement.ef_stream_ref
    writer.update_container(spec)
    out = io.BytesIO()
    writer.write(out)
    found = await problems(out.getvalue(), signing)
    assert any("appended after the last signature" in p for p in found), found
    assert any("was replaced after the draft" in p for p in found), found


async def test_an_untrusted_signer_and_a_missing_chair_signature_fail(
    record: MinutesRecord,
    signing: DemoSigning,
    tmp_path: Path,
) -> None:
    other = prepare_demo_signing(
        tmp_path / "other", secretary_name="Kẻ Giả Mạo", chair_name="Kẻ Giả Mạo", organization=""
    )
    only_secretary = await sign_pdf(
        make_drafts(record, "vi").minutes, field=SECRETARY_FIELD, key=other.secretary
    )
    found = await problems(only_secretary, signing)
    assert "The chair has not signed." in found
    assert any("is not issued by a trusted authority" in p for p in found), found


async def test_the_command_line_verifier_exits_non_zero_naming_the_problem(
    minutes_pdf: bytes,
    signing: DemoSigning,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good = tmp_path / "bien-ban.pdf"
    good.write_bytes(minutes_pdf)
    bad = tmp_path / "bien-ban-sua.pdf"
    bad.write_bytes(minutes_pdf + b"\n% appended\n")
    assert (
        await cli(
            "minutes", "verify", str(bad), "--trust", str(signing.ca_certificate), "--lang", "en"
        )
        == 1
    )
    out = capsys.readouterr().out
    assert "RESULT: NOT VERIFIED" in out and "appended after the last signature" in out
    assert await cli("minutes", "verify", str(good)) == 1  # nobody trusted: fail closed
    assert "--trust CA.pem" in capsys.readouterr().out


async def test_a_time_stamp_authority_stamps_each_signature(
    record: MinutesRecord,
    signing: DemoSigning,
    tmp_path: Path,
) -> None:
    stamper, tsa_root = local_tsa(tmp_path)
    draft = make_drafts(record, "vi").minutes
    once = await sign_pdf(draft, field=SECRETARY_FIELD, key=signing.secretary, stamper=stamper)
    twice = await sign_pdf(once, field=CHAIR_FIELD, key=signing.chair, stamper=stamper)
    report = await verify_pdf(
        twice, trust_roots=load_trust_roots([signing.ca_certificate, tsa_root])
    )
    assert next(s for s in report.sections if s.title == "Signatures").ok
    stamped = [f for s in report.sections for f in s.findings if "time stamp" in f.message]
    assert len(stamped) == 2


async def cli(*argv: str) -> int:
    """The real command; in a thread, since it runs its own event loop."""
    return await anyio.to_thread.run_sync(main, list(argv))


def local_tsa(tmp_path: Path) -> tuple[Any, Path]:
    """A time-stamp authority in the test process (pyHanko's DummyTimeStamper, RSA)."""
    from datetime import UTC, datetime, timedelta

    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    der = cert.public_bytes(serialization.Encoding.DER)
    path = tmp_path / "tsa.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_info = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return DummyTimeStamper(tsa_cert=asn1_x509.Certificate.load(der), tsa_key=key_info), path


def test_the_demo_makes_a_ca_and_the_two_signers_keys(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import stat

    monkeypatch.chdir(tmp_path)
    for name in (
        "ECABINET_DATABASE_URL",
        "ECABINET_DATA_DIR",
        "ECABINET_ORIGIN",
        "ECABINET_MINUTES_SECRETARY_KEY",
        "ECABINET_MINUTES_CHAIR_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    assert main(["demo", "--no-serve"]) == 0
    signing = tmp_path / "ecabinet-demo" / "signing"
    assert f"trust {signing / 'ca.pem'}" in capsys.readouterr().out
    for name in ("secretary.p12", "secretary.pass", "chair.p12", "chair.pass"):
        assert stat.S_IMODE((signing / name).stat().st_mode) == 0o600, name
    from ecabinet.minutes.sign import FileKeySource

    chair = FileKeySource(signing / "chair.p12", None, signing / "chair.pass").signer()
    assert chair.signing_cert is not None
    assert chair.signing_cert.subject.native["common_name"] == "Trần Quốc Khải"

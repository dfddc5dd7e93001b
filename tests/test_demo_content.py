"""The demo Government and its agenda, and the drafts rendered from it."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from dataclasses import replace
from pathlib import Path

from reportlab.pdfbase import pdfmetrics

from ecabinet.demo.drafts import render_draft_pdf
from ecabinet.demo.government import (
    AGENDA,
    BODY,
    MEMBERS,
    OBSERVERS,
    SECRETARIAT,
    AgendaItem,
    Document,
    Person,
)
from ecabinet.pdf.fonts import FONT_FILES, nfc, register_fonts

PEOPLE: tuple[Person, ...] = MEMBERS + SECRETARIAT + OBSERVERS
DOCUMENTS: list[tuple[AgendaItem, Document]] = [
    (item, doc) for item in AGENDA for doc in item.documents
]


def _is_nfc(text: str) -> bool:
    return unicodedata.normalize("NFC", text) == text


def _words(text: str) -> str:
    # pdftotext breaks lines where the layout wrapped them.
    return " ".join(text.split())


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    assert shutil.which("pdftotext"), "install poppler-utils: the test reads the PDF back"
    path = tmp_path / "draft.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
    )
    return result.stdout.decode("utf-8")


def test_government_has_27_members_and_one_chair() -> None:
    assert len(MEMBERS) == 27
    chairs = [m for m in MEMBERS if m.role == "chair"]
    assert len(chairs) == 1
    assert MEMBERS[0] is chairs[0]
    assert chairs[0].title_vi == "Thủ tướng Chính phủ"
    assert all(m.role == "member" for m in MEMBERS[1:])
    assert 4 <= sum(m.title_vi.startswith("Phó Thủ tướng") for m in MEMBERS) <= 5


def test_non_members_have_their_own_roles() -> None:
    assert SECRETARIAT and all(p.role == "secretariat" for p in SECRETARIAT)
    assert OBSERVERS and all(p.role == "observer" for p in OBSERVERS)


def test_names_are_nfc_vietnamese_full_names() -> None:
    for person in PEOPLE:
        assert _is_nfc(person.full_name), person.full_name
        assert not person.full_name.isascii(), person.full_name
        assert len(person.full_name.split()) >= 3, person.full_name


def test_emails_are_ascii_and_unique() -> None:
    emails = [p.email for p in PEOPLE]
    assert len(set(emails)) == len(emails)
    for email in emails:
        assert email.isascii() and email.count("@") == 1, email


def test_clearances_follow_rank() -> None:
    assert all(0 <= p.clearance <= 4 for p in PEOPLE)
    leaders = [m for m in MEMBERS if "Thủ tướng" in m.title_vi]
    assert all(m.clearance == 4 for m in leaders)
    assert sum(m.clearance == 3 for m in MEMBERS) > len(MEMBERS) // 2


def test_body_names_the_government() -> None:
    assert BODY.name == "Chính phủ nước Cộng hòa xã hội chủ nghĩa Việt Nam"
    assert BODY.short_name and BODY.name_en.isascii()


def test_agenda_is_a_monthly_session() -> None:
    assert 6 <= len(AGENDA) <= 10
    assert {item.kind for item in AGENDA} == {"decision", "discussion", "report"}
    for item in AGENDA:
        assert 1 <= len(item.documents) <= 2, item.title_en
        assert item.title_vi and item.title_en.isascii() and item.presenter
        for doc in item.documents:
            assert 4 <= len(doc.body) <= 10, doc.title_vi


def test_all_demo_text_is_nfc() -> None:
    texts = [BODY.name, BODY.short_name]
    for person in PEOPLE:
        texts += [person.full_name, person.title_vi]
    for item, doc in DOCUMENTS:
        texts += [item.title_vi, item.presenter, item.summary_vi, doc.title_vi]
        texts += [doc.classification_basis, doc.issuer, doc.symbol, *doc.body]
    assert [t for t in texts if not _is_nfc(t)] == []


def test_every_non_public_document_has_a_basis() -> None:
    for _item, doc in DOCUMENTS:
        assert doc.classification in {"public", "internal", "mat"}
        if doc.classification == "public":
            assert doc.classification_basis == "", doc.title_vi
        else:
            assert len(doc.classification_basis) > 20, doc.title_vi
    assert any(doc.classification == "mat" for _item, doc in DOCUMENTS)


def test_register_fonts_is_idempotent() -> None:
    register_fonts()
    register_fonts()
    assert set(FONT_FILES) <= set(pdfmetrics.getRegisteredFontNames())


def test_draft_pdf_gives_back_its_vietnamese_text(tmp_path: Path) -> None:
    item, doc = next((i, d) for i, d in DOCUMENTS if d.classification == "mat")
    pdf = render_draft_pdf(item.title_vi, doc, issuing_agency=item.presenter)
    assert pdf.startswith(b"%PDF-")

    text = _words(_pdf_text(pdf, tmp_path))
    first_sentence = doc.body[0].split(". ")[0]
    assert _words(doc.title_vi) in text
    assert _words(item.title_vi) in text
    assert _words(first_sentence) in text
    assert item.presenter.upper() in text
    assert f"/{doc.symbol}" in text
    for fixed in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "DỰ THẢO",
        "MẬT",
        "Trang 1/1",
    ):
        assert fixed in text


def test_draft_pdf_normalises_and_numbers_pages(tmp_path: Path) -> None:
    item, doc = DOCUMENTS[0]
    sentence = "Quyết định này được áp dụng thống nhất trên phạm vi cả nước."
    long_doc = replace(
        doc,
        title_vi=unicodedata.normalize("NFD", doc.title_vi),
        classification="public",
        classification_basis="",
        body=(unicodedata.normalize("NFD", sentence),) * 60,
    )
    pdf = render_draft_pdf(item.title_vi, long_doc, issuing_agency="Bộ Tư pháp")

    text = _words(_pdf_text(pdf, tmp_path))
    assert nfc(doc.title_vi) in text
    assert sentence in text
    assert "MẬT" not in text
    footers = re.findall(r"Trang (\d+)/(\d+)", text)
    total = len(footers)
    assert total >= 2
    assert footers == [(str(n), str(total)) for n in range(1, total + 1)]

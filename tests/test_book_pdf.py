"""The book of the meeting as one PDF: cover, contents, bookmarks per item and document,
only what the reader's seat may open, classified pages stamped with the reader's name,
the download audited."""

from __future__ import annotations

import io
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from sqlmodel import col, select

from ecabinet.demo import government as gov
from ecabinet.models import AuditEvent, DocumentReading, Person
from ecabinet.vocab import Classification

from .support.demo import MINISTER_OF_FINANCE, Demo
from .support.packets import set_clearance

SECRET = [
    document
    for item in gov.AGENDA
    for document in item.documents
    if document.classification == "mat"
]


def _outline(reader: PdfReader) -> list[tuple[str, int, list[tuple[str, int]]]]:
    """(title, page from 1, children) for each top-level bookmark."""
    tops: list[tuple[str, int, list[tuple[str, int]]]] = []

    def named(entry: Any) -> tuple[str, int]:
        number = reader.get_destination_page_number(entry)
        assert number is not None
        return str(entry.title), number + 1

    for entry in reader.outline:
        if isinstance(entry, list):
            title, number, _ = tops[-1]
            tops[-1] = (title, number, [named(child) for child in entry])
        else:
            tops.append((*named(entry), []))
    return tops


def _poppler(data: bytes, *command: str) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        Path(file.name).write_bytes(data)
        return subprocess.run(
            [*command, file.name, *(["-"] if command[0] == "pdftotext" else [])],
            check=True,
            capture_output=True,
            text=True,
        ).stdout


def _text(data: bytes, first: int | None = None, last: int | None = None) -> str:
    pages = [] if first is None else ["-f", str(first), "-l", str(last or first)]
    return _poppler(data, "pdftotext", "-raw", "-enc", "UTF-8", *pages)


async def _book(demo: Demo, client: Any) -> bytes:
    response = await client.get(f"/meetings/{demo.meeting_id}/book.pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    data: bytes = response.content
    return data


async def test_book_has_a_bookmark_per_item_and_document_and_stamps_the_classified(
    demo: Demo,
) -> None:
    minister = await demo.client(MINISTER_OF_FINANCE)
    data = await _book(demo, minister)
    reader = PdfReader(io.BytesIO(data))
    outline = _outline(reader)
    assert outline[0][0] == "Contents"
    items = outline[1:]
    assert [title for title, _, _ in items] == [
        f"Item {number}. {item.title_en}" for number, item in enumerate(gov.AGENDA, start=1)
    ]
    for (_, _, children), item in zip(items, gov.AGENDA, strict=True):
        assert [title for title, _ in children] == [d.title_en for d in item.documents]
    cover = _text(data, 1)
    assert "Prepared for " + MINISTER_OF_FINANCE in cover
    assert "Classification: Confidential (Mật)" in cover
    # The contents list each document at the page its bookmark opens.
    contents = _text(data, 2, outline[1][1] - 1)
    starts = [page for _, _, children in items for _, page in children]
    assert starts == sorted(starts) and starts[0] == outline[1][1]
    for _, _, children in items:
        for title, page in children:
            assert f"{page}" in contents and title.split()[0] in contents
    # Each page of a Mật document carries her name; a public one does not.
    pages = {title: page for _, _, children in items for title, page in children}
    for secret in SECRET:
        assert MINISTER_OF_FINANCE in _text(data, pages[secret.title_en])
    public = gov.AGENDA[2].documents[1]
    assert MINISTER_OF_FINANCE not in _text(data, pages[public.title_en])
    # The cover and contents are set in embedded faces with Vietnamese glyphs (reportlab
    # lists an unused Helvetica in every file; no text is set in it).
    fonts = {
        line.split()[0].split("+")[-1]: line.split()[-5]
        for line in _poppler(data, "pdffonts", "-l", "2").splitlines()[2:]
    }
    assert fonts["DejaVuSans"] == fonts["LiberationSerif"] == "yes"


async def test_book_leaves_out_documents_above_the_seat_clearance(demo: Demo) -> None:
    minister = await demo.client(MINISTER_OF_FINANCE)
    async with demo.db.read() as session:
        person = (
            await session.exec(select(Person).where(Person.full_name == MINISTER_OF_FINANCE))
        ).one()
    assert person.id is not None
    await set_clearance(demo.db, person.id, int(Classification.INTERNAL))
    data = await _book(demo, minister)
    reader = PdfReader(io.BytesIO(data))
    titles = [title for _, _, children in _outline(reader) for title, _ in children]
    for secret in SECRET:
        assert secret.title_en not in titles
    assert gov.AGENDA[2].documents[1].title_en in titles
    text = _text(data)
    assert "24 nghìn tỷ" not in text  # only in the Mật submission
    assert MINISTER_OF_FINANCE not in text.replace("Prepared for " + MINISTER_OF_FINANCE, "")
    assert "Classification: Internal" in _text(data, 1)


async def test_book_download_is_audited_and_each_stamp_code_resolves(demo: Demo) -> None:
    minister = await demo.client(MINISTER_OF_FINANCE)
    await _book(demo, minister)
    async with demo.db.read() as session:
        book = (
            await session.exec(
                select(AuditEvent).where(AuditEvent.kind == "meeting.book_downloaded")
            )
        ).one()
        marked = (
            await session.exec(
                select(AuditEvent).where(
                    AuditEvent.kind == "document.downloaded",
                    col(AuditEvent.subject).startswith("mark:"),
                )
            )
        ).all()
        read = (await session.exec(select(DocumentReading))).all()
    assert book.subject == f"meeting:{demo.meeting_id}"
    assert len(book.data["documents"]) == sum(len(item.documents) for item in gov.AGENDA)
    assert len(marked) == len(SECRET)
    assert all(event.data["purpose"] == "book" for event in marked)
    assert read == []  # bound into a book is not read: the unread flags stay


async def test_book_past_the_page_budgets_is_refused_precisely(demo: Demo) -> None:
    minister = await demo.client(MINISTER_OF_FINANCE)
    settings = demo.app.state.settings
    url = f"/meetings/{demo.meeting_id}/book.pdf"
    try:
        demo.app.state.settings = replace(settings, watermark_max_pages=1)
        stamped = await minister.get(url)
        assert stamped.status_code == 422
        assert "one download stamps at most 1" in stamped.text
        demo.app.state.settings = replace(settings, upload_max_pages=3)
        long = await minister.get(url)
        assert long.status_code == 422 and "one book binds at most 3" in long.text
    finally:
        demo.app.state.settings = settings
    async with demo.db.read() as session:
        downloaded = (
            await session.exec(
                select(AuditEvent).where(AuditEvent.kind == "meeting.book_downloaded")
            )
        ).all()
    assert downloaded == []

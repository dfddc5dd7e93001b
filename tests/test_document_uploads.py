"""Uploads: streamed to disk, typed by content, PDFs proven to open, names made safe,
stored once per content; every bad upload refused with its reason and nothing left."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from sqlmodel import func, select
from starlette.applications import Starlette

from ecabinet.app import create_app
from ecabinet.db import Database
from ecabinet.models import AuditEvent, Document, DocumentVersion
from ecabinet.settings import Settings

from .support import hostile_files
from .support.packets import (
    People,
    attach,
    blob_count,
    encrypted_pdf,
    leftovers,
    make_pdf,
    new_item,
    new_meeting,
    png_bytes,
    sign_in_people,
    upload,
)

LIMIT = 200_000


@pytest.fixture
def small_settings(settings: Settings) -> Settings:
    return replace(settings, upload_limit_bytes=LIMIT, upload_max_pages=50)


@pytest.fixture
async def crew(small_settings: Settings, db: Database) -> AsyncIterator[People]:
    app: Starlette = create_app(small_settings, db=db)
    signed = await sign_in_people(app, small_settings, db, roles=("secretariat", "member"))
    yield signed
    for client in signed.clients.values():
        await client.aclose()


async def _rows(db: Database) -> tuple[int, int]:
    async with db.read() as session:
        documents = (await session.exec(select(func.count()).select_from(Document))).one()
        versions = (await session.exec(select(func.count()).select_from(DocumentVersion))).one()
    return documents, versions


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


async def test_a_pdf_and_its_second_version(
    crew: People, db: Database, small_settings: Settings
) -> None:
    meeting_id = (await new_meeting(crew))["id"]
    item_id = await new_item(crew, meeting_id)
    first = make_pdf(3)
    version = await attach(crew, item_id, first, title="Tờ trình dự án Luật")
    assert version["number"] == 1 and version["pageCount"] == 3
    assert version["sha256"] == hashlib.sha256(first).hexdigest()
    assert (version["size"], version["mediaType"]) == (len(first), "application/pdf")
    assert version["url"] == f"/api/versions/{version['id']}/file"
    assert version["classification"] == "internal"
    assert version["document"]["classification"] == "internal"
    document_id = version["document"]["id"]

    no_note = await upload(crew, f"/api/documents/{document_id}/versions", make_pdf(4))
    assert no_note.status_code == 422
    assert no_note.json()["detail"] == (
        "Say what changed in this version: the change note is required."
    )
    second = await upload(
        crew, f"/api/documents/{document_id}/versions", make_pdf(4), note="Bổ sung Điều 5"
    )
    assert second.status_code == 201, second.text
    assert (second.json()["number"], second.json()["changeNote"]) == (2, "Bổ sung Điều 5")
    fetched = (await crew["secretariat"].get(f"/api/documents/{document_id}")).json()
    assert [v["number"] for v in fetched["versions"]] == [1, 2]
    old = await crew["secretariat"].get(fetched["versions"][0]["url"])
    assert old.content == first, "earlier versions stay readable"
    assert leftovers(small_settings) == []


async def test_links_attachments_and_open_at_page_one_are_not_active_content(crew: People) -> None:
    item_id = await new_item(crew, (await new_meeting(crew))["id"])
    response = await upload(
        crew, f"/api/items/{item_id}/documents", hostile_files.navigation_pdf(), title="Tờ trình"
    )
    assert response.status_code == 201, response.text


async def test_the_same_file_twice_is_stored_once(
    crew: People, db: Database, small_settings: Settings
) -> None:
    item_id = await new_item(crew, (await new_meeting(crew))["id"])
    data = make_pdf(2, "Cùng một tệp")
    before = await blob_count(db, small_settings)
    one = await attach(crew, item_id, data, title="Bản A")
    two = await attach(crew, item_id, data, title="Bản B")
    assert one["sha256"] == two["sha256"]
    assert await blob_count(db, small_settings) == before + 1
    async with db.read() as session:
        flags = [
            e.data["stored_new_blob"]
            for e in (
                await session.exec(
                    select(AuditEvent).where(AuditEvent.kind == "document.version_added")
                )
            ).all()
        ]
    assert flags == [True, False]


async def test_attachments_other_than_pdf(crew: People) -> None:
    item_id = await new_item(crew, (await new_meeting(crew))["id"])
    response = await upload(
        crew, f"/api/items/{item_id}/documents", _docx(), "Phụ lục.docx", title="Phụ lục số liệu"
    )
    assert response.status_code == 201, response.text
    assert response.json()["mediaType"].endswith("wordprocessingml.document")
    assert response.json()["filename"] == "Phụ lục.docx"
    assert response.json()["pageCount"] is None
    classified = await upload(
        crew,
        f"/api/items/{item_id}/documents",
        png_bytes(),
        "so-do.png",
        classification="mat",
        basis="Danh mục bí mật",
    )
    assert classified.status_code == 422
    assert classified.json()["detail"] == (
        "A classified document must be a PDF, so that every copy can carry its reader's watermark."
    )


async def test_file_names_are_cleaned(crew: People) -> None:
    item_id = await new_item(crew, (await new_meeting(crew))["id"])
    response = await upload(
        crew, f"/api/items/{item_id}/documents", make_pdf(), "  Tờ trình: dự thảo?  lần 2.PDF"
    )
    assert response.status_code == 201, response.text
    assert response.json()["filename"] == "Tờ trình_ dự thảo_ lần 2.pdf"
    unnamed = await upload(crew, f"/api/items/{item_id}/documents", make_pdf(), "bao-cao")
    assert unnamed.json()["filename"] == "bao-cao.pdf"


BAD_UPLOADS = [
    pytest.param(
        b"<html><script>alert(1)</script></html>",
        "du-thao.pdf",
        415,
        "The file is not a PDF, DOCX, XLSX, PNG or JPEG: its content is something "
        "else, whatever its name says. Convert it to PDF and upload it again.",
        id="wrong-type-renamed-pdf",
    ),
    pytest.param(
        png_bytes(),
        "du-thao.pdf",
        415,
        "The file's name says PDF but its content is PNG. Upload the right file, or "
        "correct its name.",
        id="image-renamed-pdf",
    ),
    pytest.param(
        make_pdf(5)[:1500],
        "du-thao.pdf",
        422,
        "The PDF is incomplete: it stops before its end marker, so it was probably "
        "cut off while copying or uploading. Upload the whole file again.",
        id="truncated-pdf",
    ),
    pytest.param(
        encrypted_pdf(),
        "du-thao.pdf",
        422,
        "The PDF is encrypted or password-protected, so members could not open it on "
        "their tablets. Remove the protection (save or print it as a new PDF) and "
        "upload it again.",
        id="encrypted-pdf",
    ),
    pytest.param(
        b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\n%%EOF\n",
        "du-thao.pdf",
        422,
        "The PDF is malformed and cannot be read. Export it again from the original "
        "document and upload the new file.",
        id="malformed-pdf",
    ),
    pytest.param(
        make_pdf(),
        "../../etc/cron.d/du-thao.pdf",
        422,
        "The file name must not contain a path (/, \\ or ..): send the file's own name only.",
        id="path-in-name",
    ),
    pytest.param(
        make_pdf(),
        "..\\..\\du-thao.pdf",
        422,
        "The file name must not contain a path (/, \\ or ..): send the file's own name only.",
        id="windows-path-in-name",
    ),
    pytest.param(b"", "du-thao.pdf", 422, "The file is empty.", id="empty"),
    *[
        pytest.param(
            data(),
            "du-thao.pdf",
            422,
            f"The PDF contains active content ({found}). Meeting documents may not run "
            "code, start programs or act by themselves when opened. Print it to a new "
            "PDF (which leaves the active content out) and upload that file.",
            id=name,
        )
        for name, data, found in [
            ("javascript", hostile_files.javascript_pdf, "/JavaScript"),
            ("launch", hostile_files.launch_pdf, "/Launch"),
            ("beacon-on-open", hostile_files.beacon_pdf, "/OpenAction /URI"),
            ("embedded-program", hostile_files.executable_pdf, "/EmbeddedFile cap-nhat.exe"),
        ]
    ],
    pytest.param(
        make_pdf(51),
        "du-thao.pdf",
        422,
        "The PDF has 51 pages; a document may have at most 50. Split it into several "
        "documents and upload them one by one.",
        id="too-many-pages",
    ),
    pytest.param(
        make_pdf(2, size=(100, 14400)),
        "du-thao.pdf",
        422,
        "Page 1 measures 3.5 × 508.0 cm; a page may measure at most 118.9 cm on its "
        "longest side (A0). Export the document at a usual paper size and upload it "
        "again.",
        id="page-too-large",
    ),
    pytest.param(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
        "bang-tinh.xlsx",
        415,
        "This is an old-format or password-protected Office file (DOC, XLS, or an "
        "encrypted DOCX or XLSX). Save it as PDF, DOCX or XLSX without a password.",
        id="encrypted-office",
    ),
]


@pytest.mark.parametrize(("data", "filename", "status", "message"), BAD_UPLOADS)
async def test_bad_uploads_are_refused_and_leave_nothing(
    crew: People,
    db: Database,
    small_settings: Settings,
    data: bytes,
    filename: str,
    status: int,
    message: str,
) -> None:
    item_id = await new_item(crew, (await new_meeting(crew))["id"])
    blobs = await blob_count(db, small_settings)
    response = await upload(
        crew, f"/api/items/{item_id}/documents", data, filename, title="Tờ trình"
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == message
    assert leftovers(small_settings) == []
    assert await blob_count(db, small_settings) == blobs
    assert await _rows(db) == (0, 0)


async def test_over_the_limit_is_413_and_leaves_nothing(
    crew: People, db: Database, small_settings: Settings
) -> None:
    item_id = await new_item(crew, (await new_meeting(crew))["id"])
    big = make_pdf(1) + b"%" + b"x" * LIMIT
    response = await upload(crew, f"/api/items/{item_id}/documents", big)
    assert response.status_code == 413
    assert response.json()["detail"] == (f"The request is larger than the limit of {LIMIT} bytes.")
    assert leftovers(small_settings) == [] and await _rows(db) == (0, 0)


async def test_over_the_limit_without_a_length_is_cut_off_mid_stream(
    crew: People, db: Database, small_settings: Settings
) -> None:
    """A chunked upload has no Content-Length: part of it reaches the staging file before
    the count passes the limit; that part must go too."""
    item_id = await new_item(crew, (await new_meeting(crew))["id"])
    boundary = "ecabinet-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="lon.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
    ).encode()
    reached: list[int] = []

    async def body() -> AsyncIterator[bytes]:
        yield head + make_pdf(1)
        for _ in range(20):
            reached.append(len(leftovers(small_settings)))
            yield b"%" + b"x" * 20_000

    response = await crew["secretariat"].post(
        f"/api/items/{item_id}/documents",
        content=body(),
        headers={
            **crew.headers["secretariat"],
            "content-type": f"multipart/form-data; boundary={boundary}",
        },
    )
    assert response.status_code == 413
    assert response.json()["detail"] == (f"The request is larger than the limit of {LIMIT} bytes.")
    assert max(reached) == 1, "the file was being written to disk, not kept in memory"
    assert leftovers(small_settings) == [] and await _rows(db) == (0, 0)


async def test_upload_refusals_that_need_no_file_come_first(crew: People) -> None:
    item_id = await new_item(crew, (await new_meeting(crew))["id"])
    response = await upload(crew, f"/api/items/{item_id}/documents", make_pdf(), role="member")
    assert response.status_code == 403
    assert response.json()["detail"] == "Only the secretariat of this body prepares its meetings."
    not_multipart = await crew["secretariat"].post(
        f"/api/items/{item_id}/documents",
        content=make_pdf(),
        headers={**crew.headers["secretariat"], "content-type": "application/pdf"},
    )
    assert not_multipart.status_code == 415
    assert not_multipart.json()["detail"] == (
        "Send the file as multipart/form-data, in a field named `file`."
    )
    missing = await crew["secretariat"].post(
        f"/api/items/{item_id}/documents",
        data={"title": "Không có tệp"},
        files={"other": ("x.txt", b"x", "text/plain")},
        headers=crew.headers["secretariat"],
    )
    assert missing.status_code == 400
    assert missing.json()["detail"] == "Send the file in the form field named `file`."


async def test_classification_rules_on_upload(crew: People, db: Database) -> None:
    item_id = await new_item(crew, (await new_meeting(crew))["id"])
    url = f"/api/items/{item_id}/documents"
    cases = [
        (
            {"classification": "mat"},
            422,
            "A classified document needs the basis for its classification.",
        ),
        (
            {"classification": "tuyet_mat", "basis": "Khoản 1 Điều 8"},
            422,
            "This body may not hold documents classified above Mật.",
        ),
        (
            {"classification": "very_secret"},
            422,
            "The field classification must be one of: public, internal, mat, toi_mat, tuyet_mat.",
        ),
    ]
    for fields, status, message in cases:
        response = await upload(crew, url, make_pdf(), **fields)
        assert (response.status_code, response.json()["detail"]) == (status, message), fields
    secret = await attach(
        crew,
        item_id,
        classification="mat",
        basis="Điểm b khoản 1 Danh mục bí mật nhà nước lĩnh vực tài chính",
    )
    assert secret["document"]["classificationBasis"].startswith("Điểm b khoản 1")
    document_id = secret["document"]["id"]
    no_basis = await crew["secretariat"].patch(
        f"/api/documents/{document_id}", json={"classification": "internal"}
    )
    assert no_basis.json()["detail"] == "Give the basis for the review of this classification."
    reviewed = await crew["secretariat"].patch(
        f"/api/documents/{document_id}",
        json={"classification": "internal", "basis": "Thông tin đã được công khai một phần"},
    )
    assert reviewed.json()["classification"] == "internal"
    async with db.read() as session:
        event = (
            await session.exec(select(AuditEvent).where(AuditEvent.kind == "document.reclassified"))
        ).one()
    assert (event.data["before"], event.data["after"]) == (2, 1)
    assert event.data["basis"] == "Thông tin đã được công khai một phần"


async def test_nobody_classifies_above_their_own_clearance(crew: People, db: Database) -> None:
    from .support.packets import set_clearance

    item_id = await new_item(crew, (await new_meeting(crew))["id"])
    await set_clearance(db, crew.seats["secretariat"].person_id, 1)
    response = await upload(
        crew,
        f"/api/items/{item_id}/documents",
        make_pdf(),
        classification="mat",
        basis="Danh mục bí mật",
    )
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "You may not classify a document above your own clearance."
    )

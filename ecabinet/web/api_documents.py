"""JSON API: uploading documents and versions, reading them, and their rendered pages."""

from __future__ import annotations

from typing import Any

import anyio
from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from ..actions import documents, packets, reading
from ..actions.access import document_access, load_document
from ..documents.checks import PdfLimits, check_upload
from ..documents.storage import BlobStore, store_for
from ..documents.uploads import Received, receive_upload
from ..documents.watermark import parse_code
from . import inputs
from .bodies import CamelBody, Changes, Level, example, parsed, takes
from .common import actor_of, db_of, int_param, settings_of
from .delivery_views import page_image, version_file
from .packet_json import document_json, version_json
from .routing import api

FORM = "multipart/form-data"


class NewDocument(CamelBody):
    """The uploaded file (typed by its content, not its name) and how it is classified."""

    file: bytes = Field(description="PDF; DOCX, XLSX, PNG or JPEG as attachments.")
    title: str = Field("", description="Default: the file's name.")
    classification: Level = "public"
    basis: str = Field("", description="Required from mat up.")
    note: str = ""


class NewVersion(CamelBody):
    """The new version's file and what changed in it."""

    file: bytes
    note: str


class DocumentChanges(Changes):
    """A document's new title or classification (basis required with a new one)."""

    model_config = example({"title": "Tờ trình (bản sửa)"})
    title: str = ""
    classification: Level = "public"
    basis: str = ""


def store_of(request: Request) -> BlobStore:
    settings = settings_of(request)
    return store_for(settings.database_url, settings.data_dir)


def _upload(request: Request) -> Any:
    settings = settings_of(request)
    return receive_upload(
        request, staging=settings.upload_dir, file_limit=settings.upload_limit_bytes
    )


async def _checked(request: Request, received: Received) -> Any:
    return await anyio.to_thread.run_sync(
        check_upload, received.file, PdfLimits.of(settings_of(request))
    )


@takes(NewDocument, FORM)
async def upload_document(request: Request) -> Response:
    """Attach a new document to an agenda item (multipart/form-data).

    Fields: file, title (default: the file's name), classification (public, internal,
    mat, toi_mat, tuyet_mat), basis (required from mat up), note. 201 with the version.
    The type is decided by the content; a PDF must open, unencrypted and complete.
    """
    actor, item_id = actor_of(request), int_param(request, "item_id")
    db = db_of(request)
    async with db.read() as session:
        await documents.check_attach(session, actor, item_id)
    async with _upload(request) as received:
        level = inputs.level(received.field("classification"))
        checked = await _checked(request, received)
        async with db.transaction() as tx:
            document, version = await documents.attach(
                tx,
                store_of(request),
                actor,
                item_id,
                title=received.field("title"),
                level=level,
                basis=received.field("basis"),
                checked=checked,
                note=received.field("note"),
            )
    return JSONResponse(
        {**version_json(version, document), "document": document_json(document)}, status_code=201
    )


@takes(NewVersion, FORM)
async def upload_version(request: Request) -> Response:
    """Upload a new version of a document (multipart/form-data: file, note).

    The change note is required; every tablet then flags the document as changed.
    """
    actor, document_id = actor_of(request), int_param(request, "document_id")
    db = db_of(request)
    async with db.read() as session:
        await documents.check_revise(session, actor, document_id)
    async with _upload(request) as received:
        checked = await _checked(request, received)
        async with db.transaction() as tx:
            document, version = await documents.revise(
                tx,
                store_of(request),
                actor,
                document_id,
                checked=checked,
                note=received.field("note"),
            )
    return JSONResponse(
        {**version_json(version, document), "document": document_json(document)}, status_code=201
    )


async def get_document(request: Request) -> Response:
    """A document, its classification with its basis, and all its versions."""
    async with db_of(request).read() as session:
        document = await load_document(session, int_param(request, "document_id"))
        await document_access(session, actor_of(request), document)
        versions = await packets.versions_of(session, document.id)
        seen = await packets.readings(session, actor_of(request).person_id, [document.id])
    body = document_json(document, versions)
    body["lastOpenedVersion"] = seen.get(document.id or 0)
    return JSONResponse(body)


@takes(DocumentChanges)
async def amend_document(request: Request) -> Response:
    """Rename a document or review its classification. JSON: title, classification,
    basis (required with a new classification). Audited; allowed in every meeting state."""
    body = await parsed(request, DocumentChanges)
    changes = body.changes()
    level = inputs.level(body.classification) if "classification" in changes else None
    async with db_of(request).transaction() as tx:
        document = await documents.amend(
            tx,
            actor_of(request),
            int_param(request, "document_id"),
            title=changes.get("title"),
            level=level,
            basis=body.basis,
        )
    return JSONResponse(document_json(document))


async def withdraw_document(request: Request) -> Response:
    """Remove a document from a draft meeting."""
    async with db_of(request).transaction() as tx:
        await documents.withdraw(tx, actor_of(request), int_param(request, "document_id"))
    return Response(status_code=204)


async def get_version(request: Request) -> Response:
    """One version's metadata: number, SHA-256, size, media type, pages, change note."""
    async with db_of(request).read() as session:
        opened = await reading.open_version(
            session, actor_of(request), int_param(request, "version_id")
        )
    return JSONResponse(
        {
            **version_json(opened.version, opened.document),
            "document": document_json(opened.document),
        }
    )


async def resolve_mark(request: Request) -> Response:
    """The audit event behind the code printed on a classified copy (secretariat only)."""
    code = parse_code(request.path_params["code"])
    async with db_of(request).read() as session:
        event = await reading.resolve_mark(session, actor_of(request), code)
    return JSONResponse(
        {
            "code": code,
            "seq": event.seq,
            "at": event.at.isoformat(),
            "kind": event.kind,
            "actorId": event.actor_id,
            "bodyId": event.body_id,
            "data": event.data,
            "hash": event.hash,
        }
    )


def routes() -> list[BaseRoute]:
    return [
        api(
            "/api/items/{item_id}/documents",
            upload_document,
            methods=["POST"],
            name="upload_document",
        ),
        api("/api/documents/{document_id}", get_document, name="document"),
        api(
            "/api/documents/{document_id}", amend_document, methods=["PATCH"], name="amend_document"
        ),
        api(
            "/api/documents/{document_id}",
            withdraw_document,
            methods=["DELETE"],
            name="withdraw_document",
        ),
        api(
            "/api/documents/{document_id}/versions",
            upload_version,
            methods=["POST"],
            name="upload_version",
        ),
        api("/api/versions/{version_id}", get_version, name="version"),
        api("/api/versions/{version_id}/file", version_file, name="version_file"),
        api("/api/versions/{version_id}/pages/{page}.png", page_image, name="version_page"),
        api("/api/marks/{code}", resolve_mark, name="resolve_mark"),
    ]

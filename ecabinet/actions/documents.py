"""Draft documents and their versions."""

from __future__ import annotations

from sqlmodel import col, func, select

from .. import audit
from ..db import Tx
from ..documents.storage import BlobStore
from ..errors import ValidationFailed
from ..models import AgendaItem, Body, Document, DocumentVersion
from ..vocab import Classification


async def create_document(
    tx: Tx, *, actor_id: int | None, body: Body, item: AgendaItem | None, title: str,
    classification: Classification, basis: str = "",
) -> Document:
    if classification > body.max_classification:
        raise ValidationFailed("This body may not hold documents classified above %(level)s.",
                               level=Classification(body.max_classification).name)
    if classification >= Classification.MAT and not basis.strip():
        raise ValidationFailed("A classified document needs the basis for its classification.")
    assert body.id is not None
    document = Document(body_id=body.id, item_id=None if item is None else item.id,
                        title=title.strip(), classification=int(classification),
                        classification_basis=basis.strip(), created_by_id=actor_id)
    tx.session.add(document)
    await tx.session.flush()
    await audit.record(tx.session, "document.created", actor_id=actor_id, body_id=body.id,
                       subject=f"document:{document.id}", title=document.title,
                       classification=int(classification), basis=document.classification_basis)
    return document


async def add_version(
    tx: Tx, store: BlobStore, *, actor_id: int | None, document: Document, data: bytes,
    filename: str, media_type: str, change_note: str = "", page_count: int | None = None,
) -> DocumentVersion:
    digest = await store.put(tx.session, data)
    latest = (await tx.session.exec(select(func.max(DocumentVersion.number)).where(
        col(DocumentVersion.document_id) == document.id))).one()
    assert document.id is not None
    version = DocumentVersion(document_id=document.id, number=(latest or 0) + 1, sha256=digest,
                              size=len(data), media_type=media_type, filename=filename,
                              change_note=change_note, page_count=page_count,
                              uploaded_by_id=actor_id)
    tx.session.add(version)
    await tx.session.flush()
    await audit.record(tx.session, "document.version_added", actor_id=actor_id,
                       body_id=document.body_id, subject=f"document:{document.id}",
                       version=version.number, sha256=digest, size=len(data))
    return version

"""Draft documents, their versions, and their classification.

A classification above internal needs a stated basis (the law forbids marking as secret
what has no basis), may not exceed the body's cap nor the classifier's own clearance, and
every change of it is audited. A classified document is a PDF, so that every copy handed
out can carry its reader's watermark.
"""

from __future__ import annotations

from sqlmodel import col, delete, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from .. import audit
from ..auth.actor import Actor
from ..auth.permissions import Permission, ensure
from ..db import Tx
from ..documents.checks import CheckedFile
from ..documents.storage import BlobStore
from ..errors import Forbidden, ValidationFailed
from ..events import EventKind
from ..labels import LEVEL_NAMES
from ..models import AgendaItem, Body, Document, DocumentReading, DocumentVersion, Meeting, utcnow
from ..vocab import Classification
from . import packet_notices, voted_texts
from .access import ensure_prepares, load_body, load_document, load_item, load_meeting
from .meeting_events import notify
from .meeting_states import Change, ensure_allows

BASIS_LIMIT = 2000
NOTE_LIMIT = 2000
TITLE_LIMIT = 500


def check_classification(body: Body, level: Classification, basis: str) -> str:
    if level > body.max_classification:
        raise ValidationFailed(
            "This body may not hold documents classified above %(level)s.",
            level=LEVEL_NAMES[Classification(body.max_classification)],
        )
    basis = basis.strip()
    if level >= Classification.MAT and not basis:
        raise ValidationFailed("A classified document needs the basis for its classification.")
    if len(basis) > BASIS_LIMIT:
        raise ValidationFailed("The basis has at most %(limit)s characters.", limit=BASIS_LIMIT)
    return basis


def _within_clearance(actor: Actor, body_id: int, level: Classification) -> None:
    seat = actor.seat(body_id)
    if seat is None or level > seat.clearance:
        raise Forbidden("You may not classify a document above your own clearance.")


def _must_be_pdf(level: int, media_type: str) -> None:
    if level >= Classification.MAT and media_type != "application/pdf":
        raise ValidationFailed(
            "A classified document must be a PDF, so that every copy can "
            "carry its reader's watermark."
        )


def _title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise ValidationFailed("A document needs a title.")
    if len(title) > TITLE_LIMIT:
        raise ValidationFailed(
            "A document's title has at most %(limit)s characters.", limit=TITLE_LIMIT
        )
    return title


def _title_en(title: str) -> str:
    title = " ".join(title.split())
    if len(title) > TITLE_LIMIT:
        raise ValidationFailed(
            "A document's title has at most %(limit)s characters.", limit=TITLE_LIMIT
        )
    return title


async def create_document(
    tx: Tx,
    *,
    actor_id: int | None,
    body: Body,
    item: AgendaItem | None,
    title: str,
    classification: Classification,
    basis: str = "",
    title_en: str = "",
    summary: str = "",
    summary_en: str = "",
) -> Document:
    basis = check_classification(body, classification, basis)
    last = (
        None
        if item is None
        else (
            await tx.session.exec(
                select(func.max(Document.ordinal)).where(Document.item_id == item.id)
            )
        ).one()
    )
    assert body.id is not None
    document = Document(
        body_id=body.id,
        item_id=None if item is None else item.id,
        title=_title(title),
        title_en=_title_en(title_en),
        summary=summary.strip(),
        summary_en=summary_en.strip(),
        classification=int(classification),
        classification_basis=basis,
        created_by_id=actor_id,
        classified_by_id=actor_id,
        classified_at=utcnow(),
        ordinal=(last or 0) + 1,
    )
    tx.session.add(document)
    await tx.session.flush()
    await audit.record(
        tx.session,
        "document.created",
        actor_id=actor_id,
        body_id=body.id,
        subject=f"document:{document.id}",
        title=document.title,
        classification=int(classification),
        basis=document.classification_basis,
    )
    return document


async def add_version(
    tx: Tx,
    store: BlobStore,
    *,
    actor_id: int | None,
    document: Document,
    checked: CheckedFile,
    change_note: str = "",
) -> DocumentVersion:
    """Store the checked file (once per content) and record it as the next version."""
    if len(change_note) > NOTE_LIMIT:
        raise ValidationFailed("A change note has at most %(limit)s characters.", limit=NOTE_LIMIT)
    _must_be_pdf(document.classification, checked.kind.media_type)
    latest = (
        await tx.session.exec(
            select(func.max(DocumentVersion.number)).where(
                col(DocumentVersion.document_id) == document.id
            )
        )
    ).one()
    # Stored last, after every check: a refused upload leaves nothing in the store.
    created = await store.put_file(tx.session, checked.path, checked.sha256)
    assert document.id is not None
    version = DocumentVersion(
        document_id=document.id,
        number=(latest or 0) + 1,
        sha256=checked.sha256,
        size=checked.size,
        media_type=checked.kind.media_type,
        filename=checked.filename,
        change_note=change_note.strip(),
        page_count=checked.page_count,
        uploaded_by_id=actor_id,
    )
    tx.session.add(version)
    await tx.session.flush()
    await audit.record(
        tx.session,
        "document.version_added",
        actor_id=actor_id,
        body_id=document.body_id,
        subject=f"document:{document.id}",
        version=version.number,
        sha256=checked.sha256,
        size=checked.size,
        media_type=version.media_type,
        filename=version.filename,
        note=version.change_note,
        stored_new_blob=created,
    )
    return version


async def _meeting_of(db: AsyncSession, item_id: int | None) -> tuple[AgendaItem, Meeting]:
    assert item_id is not None
    item = await load_item(db, item_id)
    return item, await load_meeting(db, item.meeting_id)


async def check_attach(db: AsyncSession, actor: Actor, item_id: int) -> None:
    """The refusals that need no file, made before the upload's bytes are received."""
    _, meeting = await _meeting_of(db, item_id)
    ensure_prepares(actor, meeting.body_id)
    ensure_allows(meeting, Change.ADD_DOCUMENT)


async def attach(
    tx: Tx,
    store: BlobStore,
    actor: Actor,
    item_id: int,
    *,
    title: str,
    level: Classification,
    basis: str,
    checked: CheckedFile,
    note: str = "",
) -> tuple[Document, DocumentVersion]:
    item, meeting = await _meeting_of(tx.session, item_id)
    meeting = await load_meeting(tx.session, meeting.id or 0, lock=True)
    ensure_prepares(actor, meeting.body_id)
    ensure_allows(meeting, Change.ADD_DOCUMENT)
    body = await load_body(tx.session, meeting.body_id)
    check_classification(body, level, basis)
    _within_clearance(actor, meeting.body_id, level)
    _must_be_pdf(level, checked.kind.media_type)
    document = await create_document(
        tx,
        actor_id=actor.person_id,
        body=body,
        item=item,
        title=title or checked.filename.rsplit(".", 1)[0],
        classification=level,
        basis=basis,
    )
    version = await add_version(
        tx, store, actor_id=actor.person_id, document=document, checked=checked, change_note=note
    )
    await notify(
        tx,
        meeting,
        EventKind.DOCUMENT_ADDED,
        {"item_id": item.id, "document_id": document.id},
        level=document.classification,
        item_id=item.id,
    )
    await packet_notices.document_added(tx, meeting, actor.person_id, document)
    return document, version


async def check_revise(db: AsyncSession, actor: Actor, document_id: int) -> None:
    document = await load_document(db, document_id)
    _, meeting = await _meeting_of(db, document.item_id)
    ensure_prepares(actor, meeting.body_id)
    ensure_allows(meeting, Change.ADD_VERSION)


async def revise(
    tx: Tx, store: BlobStore, actor: Actor, document_id: int, *, checked: CheckedFile, note: str
) -> tuple[Document, DocumentVersion]:
    """A new version; every tablet flags the document as changed."""
    document = await load_document(tx.session, document_id)
    item, meeting = await _meeting_of(tx.session, document.item_id)
    meeting = await load_meeting(tx.session, meeting.id or 0, lock=True)
    ensure_prepares(actor, meeting.body_id)
    ensure_allows(meeting, Change.ADD_VERSION)
    if not note.strip():
        raise ValidationFailed("Say what changed in this version: the change note is required.")
    await voted_texts.ensure_not_voting(
        tx, actor.person_id, item_id=document.item_id, document_id=document.id or 0
    )
    version = await add_version(
        tx, store, actor_id=actor.person_id, document=document, checked=checked, change_note=note
    )
    await notify(
        tx,
        meeting,
        EventKind.DOCUMENT_CHANGED,
        {"item_id": item.id, "document_id": document.id, "version": version.number},
        level=document.classification,
        item_id=item.id,
    )
    await packet_notices.document_revised(
        tx, meeting, actor.person_id, document, version.number, version.change_note
    )
    return document, version


async def amend(
    tx: Tx,
    actor: Actor,
    document_id: int,
    *,
    title: str | None = None,
    level: Classification | None = None,
    basis: str | None = None,
) -> Document:
    """Rename a document and/or review its classification (allowed in every state)."""
    document = await load_document(tx.session, document_id)
    item, meeting = await _meeting_of(tx.session, document.item_id)
    meeting = await load_meeting(tx.session, meeting.id or 0, lock=True)
    ensure_prepares(actor, meeting.body_id)
    if title is not None and _title(title) != document.title:
        ensure_allows(meeting, Change.EDIT_ITEM)
        await audit.record(
            tx.session,
            "document.renamed",
            actor_id=actor.person_id,
            body_id=meeting.body_id,
            subject=f"document:{document.id}",
            before=document.title,
            after=_title(title),
        )
        document.title = _title(title)
    if level is not None:
        await _reclassify(tx, actor, meeting, document, level, basis or "")
    tx.session.add(document)
    await notify(
        tx, meeting, EventKind.DOCUMENT_AMENDED, {"item_id": item.id, "document_id": document.id}
    )
    return document


async def _reclassify(
    tx: Tx, actor: Actor, meeting: Meeting, document: Document, level: Classification, basis: str
) -> None:
    ensure_allows(meeting, Change.RECLASSIFY)
    if not basis.strip():
        raise ValidationFailed("Give the basis for the review of this classification.")
    body = await load_body(tx.session, meeting.body_id)
    basis = check_classification(body, level, basis)
    _within_clearance(actor, meeting.body_id, max(level, Classification(document.classification)))
    for media_type in (
        await tx.session.exec(
            select(DocumentVersion.media_type).where(DocumentVersion.document_id == document.id)
        )
    ).all():
        _must_be_pdf(level, media_type)
    await audit.record(
        tx.session,
        "document.reclassified",
        actor_id=actor.person_id,
        body_id=meeting.body_id,
        subject=f"document:{document.id}",
        before=document.classification,
        after=int(level),
        basis=basis,
        previous_basis=document.classification_basis,
    )
    document.classification, document.classification_basis = int(level), basis
    document.classified_by_id, document.classified_at = actor.person_id, utcnow()


async def withdraw(tx: Tx, actor: Actor, document_id: int) -> None:
    """Only while the meeting is a draft: no member has seen the document yet."""
    document = await load_document(tx.session, document_id)
    _, meeting = await _meeting_of(tx.session, document.item_id)
    ensure_prepares(actor, meeting.body_id)
    ensure_allows(meeting, Change.REMOVE_DOCUMENT)
    for table, column in (
        (DocumentReading, DocumentReading.document_id),
        (DocumentVersion, DocumentVersion.document_id),
    ):
        await tx.session.exec(delete(table).where(col(column) == document.id))
    await tx.session.delete(document)
    await audit.record(
        tx.session,
        "document.withdrawn",
        actor_id=actor.person_id,
        body_id=meeting.body_id,
        subject=f"document:{document_id}",
        title=document.title,
    )


async def set_policy(
    tx: Tx, actor: Actor, body_id: int, *, max_level: Classification, offline_level: Classification
) -> Body:
    """The body's cap on what the system may hold, and on what a tablet keeps offline."""
    ensure(actor, Permission.MANAGE_BODY, body_id)
    body = await load_body(tx.session, body_id)
    above = (
        await tx.session.exec(
            select(func.count())
            .select_from(Document)
            .where(Document.body_id == body_id, Document.classification > max_level)
        )
    ).one()
    if above:
        raise ValidationFailed(
            "%(count)s documents of this body are classified above the new cap; review them first.",
            count=above,
        )
    if offline_level > max_level:
        raise ValidationFailed("The offline level cannot be above the body's cap.")
    await audit.record(
        tx.session,
        "body.document_policy",
        actor_id=actor.person_id,
        body_id=body_id,
        subject=f"body:{body_id}",
        before=[body.max_classification, body.offline_max_classification],
        after=[int(max_level), int(offline_level)],
    )
    body.max_classification, body.offline_max_classification = int(max_level), int(offline_level)
    tx.session.add(body)
    return body

"""Keeping the search entries up to date. Indexing is derived work, done before a search
for whatever is new (a version's pages, a comment, a conclusion); two servers doing it at
once insert each entry once, by its unique key."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import anyio
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..db import Database
from ..documents import textlayer
from ..documents.storage import BlobStore
from ..models import (
    AgendaItem,
    Comment,
    Document,
    DocumentVersion,
    Meeting,
    SearchEntry,
    utcnow,
)
from ..textfold import fold

PDF = "application/pdf"
# Versions indexed per pass: a first search after a large import does not hold one
# transaction for minutes.
BATCH = 200


@dataclass(frozen=True)
class Source:
    key: str
    kind: str
    item: AgendaItem
    text: str
    title: str = ""
    document_id: int | None = None
    version_id: int | None = None
    comment_id: int | None = None
    page: int | None = None

    def row(self, body_id: int) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "body_id": body_id,
            "meeting_id": self.item.meeting_id,
            "item_id": self.item.id,
            "document_id": self.document_id,
            "version_id": self.version_id,
            "comment_id": self.comment_id,
            "page": self.page,
            "text": self.text,
            "folded": fold(f"{self.title}\n{self.text}" if self.title else self.text),
            "indexed_at": utcnow(),
        }


async def catch_up(db: Database, store: BlobStore) -> int:
    """Index everything not yet indexed; the number of entries written."""
    written = 0
    while True:
        async with db.read() as session:
            pending = await _unindexed_versions(session)
        if not pending:
            break
        for version, document, item in pending:
            sources = await _version_sources(db, store, version, document, item)
            written += await _write(db, document.body_id, sources)
        if len(pending) < BATCH:
            break
    async with db.read() as session:
        comments = await _unindexed_comments(session)
        conclusions = await _changed_conclusions(session)
    for body_id, sources in (*comments, *conclusions):
        written += await _write(db, body_id, sources, replace=True)
    return written


async def _unindexed_versions(
    session: AsyncSession,
) -> Sequence[tuple[DocumentVersion, Document, AgendaItem]]:
    indexed = select(SearchEntry.id).where(
        SearchEntry.version_id == DocumentVersion.id, SearchEntry.kind == "version"
    )
    return (
        await session.exec(
            select(DocumentVersion, Document, AgendaItem)
            .join(Document, col(Document.id) == DocumentVersion.document_id)
            .join(AgendaItem, col(AgendaItem.id) == Document.item_id)
            .where(~sa.exists(indexed))
            .order_by(col(DocumentVersion.id))
            .limit(BATCH)
        )
    ).all()


async def _version_sources(
    db: Database, store: BlobStore, version: DocumentVersion, document: Document, item: AgendaItem
) -> list[Source]:
    title = f"{document.title}\n{document.title_en}"
    common = {
        "kind": "version",
        "item": item,
        "title": title,
        "document_id": document.id,
        "version_id": version.id,
    }
    if version.media_type != PDF or not version.page_count:
        return [Source(key=f"v:{version.id}:0", text="", **common)]  # type: ignore[arg-type]
    async with store.local_copy(db.read, version.sha256) as path:
        pages = await anyio.to_thread.run_sync(textlayer.document_text, path, version.sha256)
    return [
        Source(key=f"v:{version.id}:{page.number}", text=page.text, page=page.number, **common)  # type: ignore[arg-type]
        for page in pages
    ]


async def _unindexed_comments(session: AsyncSession) -> list[tuple[int, list[Source]]]:
    indexed = select(SearchEntry.id).where(SearchEntry.comment_id == Comment.id)
    rows = (
        await session.exec(
            select(Comment, DocumentVersion, Document, AgendaItem)
            .join(DocumentVersion, col(DocumentVersion.id) == Comment.version_id)
            .join(Document, col(Document.id) == DocumentVersion.document_id)
            .join(AgendaItem, col(AgendaItem.id) == Document.item_id)
            .where(~sa.exists(indexed))
        )
    ).all()
    return [
        (
            document.body_id,
            [
                Source(
                    key=f"c:{comment.id}",
                    kind="comment",
                    item=item,
                    text="\n".join(part for part in (comment.quote, comment.text) if part),
                    document_id=document.id,
                    version_id=version.id,
                    comment_id=comment.id,
                    page=comment.page,
                )
            ],
        )
        for comment, version, document, item in rows
    ]


async def _changed_conclusions(session: AsyncSession) -> list[tuple[int, list[Source]]]:
    entry = aliased(SearchEntry)
    rows = (
        await session.exec(
            select(AgendaItem, Meeting.body_id)
            .join(Meeting, col(Meeting.id) == AgendaItem.meeting_id)
            .outerjoin(
                entry, sa.and_(col(entry.item_id) == AgendaItem.id, col(entry.kind) == "conclusion")
            )
            .where(
                AgendaItem.conclusion != "",
                sa.or_(col(entry.id).is_(None), col(entry.text) != AgendaItem.conclusion),
            )
        )
    ).all()
    return [
        (
            body_id,
            [
                Source(
                    key=f"k:{item.id}",
                    kind="conclusion",
                    item=item,
                    text=item.conclusion,
                    title=item.title,
                )
            ],
        )
        for item, body_id in rows
    ]


async def _write(
    db: Database, body_id: int, sources: list[Source], *, replace: bool = False
) -> int:
    if not sources:
        return 0
    rows = [source.row(body_id) for source in sources]
    async with db.transaction() as tx:
        dialect = (await tx.session.connection()).dialect.name
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(
            SearchEntry
        ).values(rows)
        if replace:
            statement = insert.on_conflict_do_update(
                index_elements=["key"],
                set_={
                    "text": insert.excluded.text,
                    "folded": insert.excluded.folded,
                    "indexed_at": insert.excluded.indexed_at,
                },
            )
        else:
            statement = insert.on_conflict_do_nothing(index_elements=["key"])
        await tx.session.exec(statement)
    return len(rows)

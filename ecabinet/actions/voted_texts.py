"""The texts a vote is on: the current version of each of its documents, frozen when the
vote opens (an agenda item's documents for a live vote, the attachments for a written
poll). Every ballot's payload names them (actions/ballots.py), so a member's passkey signs
the very versions the tablet showed; and while the vote is open no document of it may
gain a new version, so every member votes on the same text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..db import Tx
from ..errors import Conflict
from ..models import Document, DocumentVersion, Poll, PollAttachment
from ..vocab import PollState


class TextsFrozen(Conflict):
    title = "The text is being voted on"
    kind = "texts-frozen"
    audit = True


async def _current(db: AsyncSession, documents: Sequence[Document]) -> list[dict[str, Any]]:
    ids = [d.id for d in documents if d.id is not None]
    if not ids:
        return []
    latest = (
        select(DocumentVersion.document_id, func.max(DocumentVersion.number).label("n"))
        .where(col(DocumentVersion.document_id).in_(ids))
        .group_by(col(DocumentVersion.document_id))
        .subquery()
    )
    rows = (
        await db.exec(
            select(DocumentVersion).join(
                latest,
                (col(DocumentVersion.document_id) == latest.c.document_id)
                & (col(DocumentVersion.number) == latest.c.n),
            )
        )
    ).all()
    by_document = {v.document_id: v for v in rows}
    return [
        {
            "document": d.id,
            "title": d.title,
            "version": by_document[d.id].number,
            "sha256": by_document[d.id].sha256,
        }
        for d in documents
        if d.id in by_document
    ]


async def of_item(db: AsyncSession, item_id: int) -> list[dict[str, Any]]:
    """The current version of each document of an agenda item, in the item's order."""
    documents = (
        await db.exec(
            select(Document)
            .where(Document.item_id == item_id)
            .order_by(col(Document.ordinal), col(Document.id))
        )
    ).all()
    return await _current(db, documents)


async def of_attachments(db: AsyncSession, poll_id: int) -> list[dict[str, Any]]:
    """The current version of each document sent with a written poll."""
    documents = (
        await db.exec(
            select(Document)
            .join(PollAttachment, col(PollAttachment.document_id) == col(Document.id))
            .where(PollAttachment.poll_id == poll_id)
            .order_by(col(Document.id))
        )
    ).all()
    return await _current(db, documents)


async def open_poll_on(db: AsyncSession, *, item_id: int | None, document_id: int) -> Poll | None:
    """An open vote whose text includes this document: a live vote on its item, or a
    written poll it is attached to."""
    if item_id is not None:
        poll = (
            await db.exec(
                select(Poll).where(Poll.state == PollState.OPEN.value, Poll.item_id == item_id)
            )
        ).first()
        if poll is not None:
            return poll
    return (
        await db.exec(
            select(Poll)
            .join(PollAttachment, col(PollAttachment.poll_id) == col(Poll.id))
            .where(Poll.state == PollState.OPEN.value, PollAttachment.document_id == document_id)
        )
    ).first()


async def ensure_not_voting(
    tx: Tx, actor_id: int | None, *, item_id: int | None, document_id: int
) -> None:
    """Refuse (409, audited) to change the text of a vote while it is open."""
    poll = await open_poll_on(tx.session, item_id=item_id, document_id=document_id)
    if poll is None:
        return
    await tx.refuse(
        TextsFrozen(
            'A vote on this text is open ("%(poll)s"): no new version can be uploaded '
            "until it closes, so that every member votes on the same text.",
            poll=poll.title,
        ),
        actor_id=actor_id,
        subject=f"document:{document_id}",
        poll=poll.id,
    )

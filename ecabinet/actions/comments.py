"""Comments on draft documents: threads tied to a version and a page, with the passage a
member quotes, replies, and the answer of the secretariat or the drafting agency: accepted
(tiếp thu) or explained (giải trình), with a response text. The synthesis report lists
every comment, who made it and how it was answered (ecabinet.pdf.comments_report).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from .. import audit
from ..auth.actor import Actor
from ..auth.permissions import Permission, can, ensure, ensure_signed_in
from ..db import Tx
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..events import CommentChanged, Event, EventKind
from ..i18n import N_
from ..models import (
    AgendaItem,
    Comment,
    Document,
    DocumentVersion,
    ItemGuest,
    Meeting,
    Membership,
    Person,
    utcnow,
)
from ..reports import RESOLUTION_LABELS, Synthesis, Thread
from ..vocab import MeetingState, NoticeKind
from . import access, notifications
from .client_ids import check_client_id

MAX_TEXT = 10_000
MAX_QUOTE = 2_000


@dataclass(frozen=True)
class Target:
    document: Document
    version: DocumentVersion
    meeting: Meeting | None


async def _readable(tx: Tx, actor: Actor, document: Document) -> Meeting | None:
    """Refuse unless the actor may read the document (the meeting's rules when it belongs
    to an agenda item; otherwise a seat in the body with enough clearance)."""
    if document.item_id is not None:
        meeting_access = await access.document_access(tx.session, actor, document)
        return meeting_access.meeting
    seat = ensure(actor, Permission.READ_DOCUMENTS, document.body_id)
    if seat is None or seat.clearance < document.classification:
        raise Forbidden(
            "This document's classification is above your clearance, so it "
            "cannot be opened. Ask the secretariat if you need it."
        )
    return None


async def target_of_version(tx: Tx, actor: Actor, version_id: int) -> Target:
    version = await tx.session.get(DocumentVersion, version_id)
    if version is None:
        raise NotFound("There is no document version with the number %(id)s.", id=version_id)
    document = await access.load_document(tx.session, version.document_id)
    return Target(document, version, await _readable(tx, actor, document))


async def _comment(tx: Tx, comment_id: int, *, lock: bool = False) -> Comment:
    query = select(Comment).where(Comment.id == comment_id)
    comment = (await tx.session.exec(query.with_for_update() if lock else query)).first()
    if comment is None:
        raise NotFound("There is no comment with the number %(id)s.", id=comment_id)
    return comment


def _clean(text: str, limit: int, *, missing: str | None) -> str:
    """``missing``: the refusal when the text is required and empty."""
    text = text.strip()
    if missing is not None and not text:
        raise ValidationFailed(missing)
    if len(text) > limit:
        raise ValidationFailed("The text is longer than %(limit)s characters.", limit=limit)
    return text


def _ensure_not_closed(target: Target) -> None:
    if target.meeting is not None and target.meeting.state == MeetingState.CLOSED.value:
        raise Conflict("The meeting is closed; its drafts take no more comments.")


async def add_comment_once(
    tx: Tx,
    actor: Actor,
    *,
    client_id: str | None,
    version_id: int,
    text: str,
    page: int | None,
    quote: str = "",
) -> tuple[Comment, bool]:
    """The comment, and whether it is new: one sent again under the same ``client_id`` (a
    tablet resending what it queued offline) is the first one, even past the deadline."""
    client_id = check_client_id(client_id)
    if client_id is None:
        return await add_comment(
            tx, actor, version_id=version_id, text=text, page=page, quote=quote
        ), True
    earlier = await _sent_before(tx, actor, client_id)
    if earlier is not None:
        return earlier, False
    try:
        async with tx.session.begin_nested():
            # The same comment sent twice at once: one of the two inserts fails here.
            return await add_comment(
                tx,
                actor,
                version_id=version_id,
                text=text,
                page=page,
                quote=quote,
                client_id=client_id,
            ), True
    except IntegrityError:
        earlier = await _sent_before(tx, actor, client_id)
        if earlier is None:
            raise
        return earlier, False


async def _sent_before(tx: Tx, actor: Actor, client_id: str) -> Comment | None:
    return (
        await tx.session.exec(
            select(Comment).where(
                Comment.author_id == actor.person_id, Comment.client_id == client_id
            )
        )
    ).first()


async def add_comment(
    tx: Tx,
    actor: Actor,
    *,
    version_id: int,
    text: str,
    page: int | None,
    quote: str = "",
    client_id: str | None = None,
) -> Comment:
    target = await target_of_version(tx, actor, version_id)
    ensure(actor, Permission.COMMENT, target.document.body_id)
    _ensure_not_closed(target)
    text = _clean(text, MAX_TEXT, missing=N_("Write the comment."))
    quote = _clean(quote, MAX_QUOTE, missing=None)
    if page is not None and (
        page < 1 or (target.version.page_count is not None and page > target.version.page_count)
    ):
        raise ValidationFailed("This version has no page %(page)s.", page=page)
    assert actor.person_id is not None and target.version.id is not None
    comment = Comment(
        version_id=target.version.id,
        author_id=actor.person_id,
        page=page,
        quote=quote,
        text=text,
        client_id=client_id,
    )
    return await _store(tx, target, comment, EventKind.COMMENT_ADDED)


async def reply(tx: Tx, actor: Actor, *, comment_id: int, text: str) -> Comment:
    """A reply joins the thread of the comment it answers (threads are one level deep)."""
    parent = await _comment(tx, comment_id)
    if parent.parent_id is not None:
        parent = await _comment(tx, parent.parent_id)
    target = await target_of_version(tx, actor, parent.version_id)
    if not (
        can(actor, Permission.COMMENT, target.document.body_id)
        or await answers_for(tx, actor, target)
    ):
        raise Forbidden(
            "Your role does not allow this (%(permission)s).", permission=Permission.COMMENT.value
        )
    _ensure_not_closed(target)
    text = _clean(text, MAX_TEXT, missing=N_("Write the reply."))
    assert actor.person_id is not None
    comment = Comment(
        version_id=parent.version_id,
        parent_id=parent.id,
        author_id=actor.person_id,
        page=parent.page,
        text=text,
    )
    stored = await _store(tx, target, comment, EventKind.COMMENT_REPLIED)
    await _tell_author(
        tx, parent, actor, target, N_('Your comment on "%(document)s" has a reply in its thread.')
    )
    return stored


async def _tell_author(
    tx: Tx, comment: Comment, actor: Actor, target: Target, message: str
) -> None:
    if comment.author_id == actor.person_id:
        return
    await notifications.notify(
        tx,
        [comment.author_id],
        kind=NoticeKind.COMMENT_ANSWERED,
        body_id=target.document.body_id,
        subject=f"comment:{comment.id}",
        link=f"/versions/{comment.version_id}",
        document=target.document.title,
        message=message,
    )


async def _store(tx: Tx, target: Target, comment: Comment, kind: EventKind) -> Comment:
    tx.session.add(comment)
    await tx.session.flush()
    await audit.record(
        tx.session,
        kind,
        actor_id=comment.author_id,
        body_id=target.document.body_id,
        subject=f"comment:{comment.id}",
        document=target.document.id,
        version=target.version.number,
        page=comment.page,
        parent=comment.parent_id,
    )
    assert comment.id is not None and target.document.id is not None
    tx.emit(
        Event.of(
            kind,
            CommentChanged(comment.id, target.document.id),
            body_id=target.document.body_id,
            meeting_id=None if target.meeting is None else target.meeting.id,
        )
    )
    return comment


async def answers_for(tx: Tx, actor: Actor, target: Target) -> bool:
    """The secretariat, or the drafting agency: a guest invited for the document's item."""
    if can(actor, Permission.RESOLVE_COMMENTS, target.document.body_id):
        return True
    if target.document.item_id is None or actor.person_id is None:
        return False
    guest = (
        await tx.session.exec(
            select(ItemGuest).where(
                ItemGuest.item_id == target.document.item_id, ItemGuest.person_id == actor.person_id
            )
        )
    ).first()
    return guest is not None


async def resolve(
    tx: Tx, actor: Actor, *, comment_id: int, resolution: str, response: str
) -> Comment:
    """Accept (tiếp thu) or explain (giải trình), with the response text; a later answer
    replaces an earlier one, and both are on the record."""
    comment = await _comment(tx, comment_id, lock=True)
    target = await target_of_version(tx, actor, comment.version_id)
    if not await answers_for(tx, actor, target):
        raise Forbidden("Only the secretariat or the drafting agency answers comments.")
    if comment.parent_id is not None:
        raise Conflict(
            "A reply is not answered on its own; answer the comment that opened the thread."
        )
    if resolution not in RESOLUTION_LABELS:
        raise ValidationFailed('Answer with "accepted" (tiếp thu) or "explained" (giải trình).')
    response = _clean(
        response,
        MAX_TEXT,
        missing=N_("Write the response: what was accepted, or why the draft stays as it is."),
    )
    before = comment.resolution
    comment.resolution, comment.response = resolution, response
    comment.resolved_by_id, comment.resolved_at = actor.person_id, utcnow()
    tx.session.add(comment)
    await tx.session.flush()
    await audit.record(
        tx.session,
        "comment.resolved",
        actor_id=actor.person_id,
        body_id=target.document.body_id,
        subject=f"comment:{comment.id}",
        resolution=resolution,
        before=before,
        response=response,
    )
    assert comment.id is not None and target.document.id is not None
    tx.emit(
        Event.of(
            EventKind.COMMENT_RESOLVED,
            CommentChanged(comment.id, target.document.id),
            body_id=target.document.body_id,
        )
    )
    await _tell_author(
        tx, comment, actor, target, N_('Your comment on "%(document)s" was answered.')
    )
    return comment


async def threads_of(tx: Tx, version_ids: list[int]) -> list[Thread]:
    if not version_ids:
        return []
    rows = list(
        (
            await tx.session.exec(
                select(Comment)
                .where(col(Comment.version_id).in_(version_ids))
                .order_by(col(Comment.id))
            )
        ).all()
    )
    threads = {c.id: Thread(c) for c in rows if c.parent_id is None}
    for row in rows:
        if row.parent_id is not None and row.parent_id in threads:
            threads[row.parent_id].replies.append(row)
    return sorted(
        threads.values(),
        key=lambda t: (t.comment.version_id, t.comment.page or 0, t.comment.id or 0),
    )


async def version_threads(tx: Tx, actor: Actor, version_id: int) -> tuple[Target, list[Thread]]:
    target = await target_of_version(tx, actor, version_id)
    return target, await threads_of(tx, [version_id])


async def synthesis(tx: Tx, actor: Actor, document_id: int) -> Synthesis:
    ensure_signed_in(actor)
    document = await access.load_document(tx.session, document_id)
    meeting = await _readable(tx, actor, document)
    versions = {
        v.id: v
        for v in (
            await tx.session.exec(
                select(DocumentVersion).where(DocumentVersion.document_id == document.id)
            )
        ).all()
        if v.id is not None
    }
    threads = await threads_of(tx, list(versions))
    ids = {c.author_id for t in threads for c in [t.comment, *t.replies]}
    ids |= {t.comment.resolved_by_id for t in threads if t.comment.resolved_by_id}
    people = (
        {
            p.id: p
            for p in (await tx.session.exec(select(Person).where(col(Person.id).in_(ids)))).all()
            if p.id is not None
        }
        if ids
        else {}
    )
    titles = (
        dict(
            (
                await tx.session.exec(
                    select(Membership.person_id, Membership.title).where(
                        Membership.body_id == document.body_id, col(Membership.person_id).in_(ids)
                    )
                )
            ).all()
        )
        if ids
        else {}
    )
    item = None if document.item_id is None else await tx.session.get(AgendaItem, document.item_id)
    await audit.record(
        tx.session,
        "comment.report_made",
        actor_id=actor.person_id,
        body_id=document.body_id,
        subject=f"document:{document.id}",
        comments=len(threads),
    )
    body = await access.load_body(tx.session, document.body_id)
    return Synthesis(body, document, item, meeting, versions, threads, people, titles)


async def names_of(tx: Tx, threads: list[Thread]) -> dict[int, str]:
    ids = {c.author_id for t in threads for c in [t.comment, *t.replies]}
    ids |= {t.comment.resolved_by_id for t in threads if t.comment.resolved_by_id}
    if not ids:
        return {}
    rows = await tx.session.exec(select(Person).where(col(Person.id).in_(ids)))
    return {p.id: p.full_name for p in rows.all() if p.id is not None}

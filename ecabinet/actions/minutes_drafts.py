"""Drafting the minutes after a session: the secretariat edits the discussion notes and
conclusions and renders the draft (the minutes and the conclusion notice, with the ballot
evidence inside).

Any change to what the minutes say withdraws an approval the chair may have given; once
the secretary has signed, nothing can change.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import anyio
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from .. import audit
from ..auth.actor import Actor
from ..auth.permissions import Permission, ensure
from ..db import Tx
from ..documents.storage import BlobStore, store_for
from ..errors import Conflict, NotFound, ValidationFailed
from ..minutes import evidence, pdfdoc
from ..minutes.collect import collect
from ..minutes.notice import notice_attachment, render_notice
from ..minutes.record import MinutesRecord
from ..minutes.render import CHAIR_FIELD, EvidenceSummary, render_minutes
from ..models import AgendaItem, Meeting, Minutes, utcnow
from ..pdf.fonts import nfc
from ..settings import Settings
from ..vocab import MeetingState, MinutesState
from . import minutes_notices

LANGUAGES = ("vi", "en")
MAX_TEXT = 50_000
LOCKED = (MinutesState.SIGNED_BY_SECRETARY.value, MinutesState.SIGNED.value)


class MinutesLocked(Conflict):
    title = "The minutes are signed"
    kind = "minutes-signed"


async def meeting_of(tx: Tx, meeting_id: int) -> Meeting:
    meeting = await tx.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("There is no meeting with the number %(id)s.", id=meeting_id)
    return meeting


async def minutes_row(tx: Tx, meeting: Meeting, *, lock: bool = False) -> Minutes:
    """The minutes of the meeting, created empty the first time they are needed."""
    query = select(Minutes).where(Minutes.meeting_id == meeting.id)
    row = (await tx.session.exec(query.with_for_update() if lock else query)).first()
    if row is None:
        assert meeting.id is not None
        row = Minutes(meeting_id=meeting.id)
        tx.session.add(row)
        await tx.session.flush()
    return row


def ensure_editable(minutes: Minutes) -> None:
    if minutes.state in LOCKED:
        raise MinutesLocked("The minutes are already signed; they can no longer change.")


async def withdraw_approval(tx: Tx, minutes: Minutes, actor: Actor, why: str) -> None:
    if minutes.state != MinutesState.APPROVED.value:
        return
    minutes.state = MinutesState.DRAFT.value
    minutes.approved_by_id, minutes.approved_at, minutes.approval = None, None, {}
    await audit.record(
        tx.session,
        "minutes.approval_withdrawn",
        actor_id=actor.person_id,
        subject=f"minutes:{minutes.id}",
        reason=why,
    )


def _clean(text: str | None, field: str) -> str | None:
    if text is None:
        return None
    cleaned = nfc(text.replace("\r\n", "\n")).strip()
    if len(cleaned) > MAX_TEXT:
        raise ValidationFailed(
            "The %(field)s are longer than %(n)s characters.", field=field, n=MAX_TEXT
        )
    return cleaned


async def edit_item_record(
    tx: Tx,
    actor: Actor,
    *,
    item_id: int,
    discussion_notes: str | None = None,
    conclusion: str | None = None,
) -> AgendaItem:
    """The secretariat's text for one item: the discussion notes and the conclusion."""
    item = await tx.session.get(AgendaItem, item_id)
    if item is None:
        raise NotFound("There is no agenda item with the number %(id)s.", id=item_id)
    meeting = await meeting_of(tx, item.meeting_id)
    ensure(actor, Permission.EDIT_MINUTES, meeting.body_id)
    minutes = await minutes_row(tx, meeting, lock=True)
    ensure_editable(minutes)
    notes, concluded = _clean(discussion_notes, "notes"), _clean(conclusion, "conclusion")
    changed = {}
    if notes is not None and notes != item.discussion_notes:
        item.discussion_notes, changed["notes"] = notes, hashlib.sha256(notes.encode()).hexdigest()
    if concluded is not None and concluded != item.conclusion:
        item.conclusion, changed["conclusion"] = (
            concluded,
            hashlib.sha256(concluded.encode()).hexdigest(),
        )
    if changed:
        tx.session.add(item)
        minutes.updated_at = utcnow()
        await withdraw_approval(tx, minutes, actor, "the notes or conclusions changed")
        tx.session.add(minutes)
        await audit.record(
            tx.session,
            "minutes.item_edited",
            actor_id=actor.person_id,
            body_id=meeting.body_id,
            subject=f"item:{item.id}",
            **changed,
        )
    return item


@dataclass(frozen=True)
class Drafts:
    minutes: bytes
    notice: bytes
    evidence_sha256: str


def make_drafts(record: MinutesRecord, locale: str) -> Drafts:
    """The unsigned minutes and notice (CPU work: run it in a worker thread)."""
    content = evidence.evidence_of(record)
    proof = evidence.to_bytes(content)
    digest = hashlib.sha256(proof).hexdigest()
    count = evidence.ballot_count(content)
    laid_out = render_minutes(record, EvidenceSummary(digest, count), locale=locale)
    minutes = pdfdoc.prepare(
        laid_out.data,
        laid_out.fields,
        {evidence.FILE_NAME: proof},
        kind=pdfdoc.MINUTES,
        lock_field=CHAIR_FIELD,
    )
    minutes_hash = hashlib.sha256(minutes).hexdigest()
    notice_layout = render_notice(record, minutes_hash, locale=locale)
    notice = pdfdoc.prepare(
        notice_layout.data,
        notice_layout.fields,
        notice_attachment(record, minutes_hash),
        kind=pdfdoc.NOTICE,
        lock_field=CHAIR_FIELD,
    )
    return Drafts(minutes, notice, digest)


async def render_draft(
    tx: Tx, settings: Settings, actor: Actor, *, meeting_id: int, locale: str = "vi"
) -> Minutes:
    """Render the draft from the recorded session; a new draft replaces the old one and
    withdraws the chair's approval of it."""
    if locale not in LANGUAGES:
        raise ValidationFailed("Choose Vietnamese or English.")
    meeting = await meeting_of(tx, meeting_id)
    seat = ensure(actor, Permission.EDIT_MINUTES, meeting.body_id)
    if meeting.state != MeetingState.CLOSED.value:
        raise Conflict(
            "The minutes are made after the session closes; this meeting is %(state)s.",
            state=meeting.state,
        )
    minutes = await minutes_row(tx, meeting, lock=True)
    ensure_editable(minutes)
    record = await collect(
        tx.session, settings, meeting_id, secretary_membership_id=None if seat is None else seat.id
    )
    drafts = await anyio.to_thread.run_sync(make_drafts, record, locale)
    store = store_for(settings.database_url, settings.data_dir)
    minutes.draft_sha256 = await store.put(tx.session, drafts.minutes)
    minutes.notice_draft_sha256 = await store.put(tx.session, drafts.notice)
    minutes.evidence_sha256, minutes.audit_head = drafts.evidence_sha256, record.audit_head.hash
    minutes.language, minutes.rendered_by_id, minutes.rendered_at = (
        locale,
        actor.person_id,
        utcnow(),
    )
    minutes.updated_at = utcnow()
    await withdraw_approval(tx, minutes, actor, "a new draft was rendered")
    tx.session.add(minutes)
    await audit.record(
        tx.session,
        "minutes.rendered",
        actor_id=actor.person_id,
        body_id=meeting.body_id,
        subject=f"minutes:{minutes.id}",
        meeting_id=meeting.id,
        draft=minutes.draft_sha256,
        notice=minutes.notice_draft_sha256,
        evidence=minutes.evidence_sha256,
        audit_head=minutes.audit_head,
        language=locale,
    )
    await minutes_notices.ready(tx, meeting, minutes)
    return minutes


@asynccontextmanager
async def _this_db(db: AsyncSession) -> AsyncIterator[AsyncSession]:
    yield db


async def read_blob(tx: Tx, store: BlobStore, sha256: str) -> bytes:
    async with store.local_copy(lambda: _this_db(tx.session), sha256) as path:
        return await anyio.Path(path).read_bytes()

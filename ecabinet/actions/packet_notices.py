"""Notifications about a meeting's packet (published, a document added or revised) for the
people who may read it: the live event updates open pages; these rows are what stays, in
the notification list, on the badge, and by e-mail or push."""

from __future__ import annotations

from typing import Any

from ..db import Tx
from ..i18n import N_
from ..models import Document, Meeting
from ..vocab import MeetingState, NoticeKind
from . import notifications
from .meeting_events import audience


async def _tell(
    tx: Tx,
    meeting: Meeting,
    actor_id: int | None,
    kind: NoticeKind,
    message: str,
    *,
    level: int = 0,
    item_id: int | None = None,
    **params: Any,
) -> None:
    if meeting.state == MeetingState.DRAFT.value:
        return  # members do not see drafts
    people = await audience(tx.session, meeting, level=level, item_id=item_id)
    await notifications.notify(
        tx,
        [p for p in people if p != actor_id],
        kind=kind,
        message=message,
        body_id=meeting.body_id,
        subject=f"meeting:{meeting.id}",
        link=f"/meetings/{meeting.id}",
        meeting=meeting.title,
        **params,
    )


async def published(tx: Tx, meeting: Meeting, actor_id: int | None) -> None:
    await _tell(
        tx,
        meeting,
        actor_id,
        NoticeKind.PACKET_PUBLISHED,
        N_(
            'The packet of "%(meeting)s" is published: its agenda and documents are on your tablet.'
        ),
    )


async def document_added(
    tx: Tx, meeting: Meeting, actor_id: int | None, document: Document
) -> None:
    await _tell(
        tx,
        meeting,
        actor_id,
        NoticeKind.DOCUMENT_CHANGED,
        N_('A document was added to "%(meeting)s": %(document)s.'),
        level=document.classification,
        item_id=document.item_id,
        document=document.title,
    )


async def document_revised(
    tx: Tx, meeting: Meeting, actor_id: int | None, document: Document, version: int, note: str
) -> None:
    await _tell(
        tx,
        meeting,
        actor_id,
        NoticeKind.DOCUMENT_CHANGED,
        N_('Version %(version)s of "%(document)s" (%(meeting)s): %(note)s'),
        level=document.classification,
        item_id=document.item_id,
        document=document.title,
        version=version,
        note=note,
    )

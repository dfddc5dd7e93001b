"""Notifications about the minutes: ready for the chair's approval (and reminded before
the approval is due), and signed, for everyone who reads the meeting."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select

from ..db import Tx
from ..i18n import N_
from ..models import Meeting, Membership, Minutes
from ..vocab import NoticeKind, Role
from . import notifications
from .meeting_events import audience

# The chair is asked to approve a draft within five days of its rendering; reminders
# come at the lead times before that.
APPROVAL_WITHIN = timedelta(days=5)


def approval_due(minutes: Minutes) -> datetime | None:
    return None if minutes.rendered_at is None else minutes.rendered_at + APPROVAL_WITHIN


async def _chairs(tx: Tx, body_id: int) -> list[int]:
    return sorted(
        set(
            (
                await tx.session.exec(
                    select(Membership.person_id).where(
                        Membership.body_id == body_id,
                        Membership.role == Role.CHAIR.value,
                        col(Membership.active),
                    )
                )
            ).all()
        )
    )


async def ready(tx: Tx, meeting: Meeting, minutes: Minutes) -> None:
    due = approval_due(minutes)
    assert due is not None
    await notifications.notify(
        tx,
        await _chairs(tx, meeting.body_id),
        kind=NoticeKind.MINUTES_READY,
        body_id=meeting.body_id,
        subject=f"minutes:{minutes.id}",
        link=f"/meetings/{meeting.id}/minutes",
        meeting=meeting.title,
        deadline=notifications.stamp(due),
        message=N_(
            'The draft minutes of "%(meeting)s" are ready for your approval (due %(deadline)s).'
        ),
    )


async def signed(tx: Tx, meeting: Meeting, minutes: Minutes) -> None:
    await notifications.notify(
        tx,
        await audience(tx.session, meeting),
        kind=NoticeKind.MINUTES_SIGNED,
        body_id=meeting.body_id,
        subject=f"minutes:{minutes.id}",
        link=f"/meetings/{meeting.id}/minutes",
        meeting=meeting.title,
        message=N_('The minutes of "%(meeting)s" are signed.'),
    )


async def remind_due(tx: Tx, leads: list[int]) -> int:
    """Drafts the chair has not approved yet, reminded before the approval is due."""
    rows = (
        await tx.session.exec(
            select(Minutes, Meeting)
            .join(Meeting, col(Meeting.id) == Minutes.meeting_id)
            .where(col(Minutes.rendered_at).is_not(None), col(Minutes.approved_at).is_(None))
        )
    ).all()
    sent = 0
    for minutes, meeting in rows:
        due = approval_due(minutes)
        assert due is not None
        sent += len(
            await notifications.remind(
                tx,
                await _chairs(tx, meeting.body_id),
                leads=leads,
                due_at=due,
                kind=NoticeKind.MINUTES_REMINDER,
                subject=f"minutes:{minutes.id}",
                body_id=meeting.body_id,
                link=f"/meetings/{meeting.id}/minutes",
                meeting=meeting.title,
                deadline=notifications.stamp(due),
                message=N_(
                    'Reminder: the draft minutes of "%(meeting)s" await your approval '
                    "by %(deadline)s."
                ),
            )
        )
    return sent

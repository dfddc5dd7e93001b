"""What the minutes page shows: the state of the minutes and what this person may do."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from ..auth.actor import Actor
from ..auth.permissions import Permission, can, ensure
from ..db import Tx
from ..models import AgendaItem, Meeting, Minutes
from ..vocab import MeetingState, MinutesState
from .access import meeting_access
from .minutes_drafts import meeting_of
from .minutes_signing import approver_name, is_chair_of, may_read_drafts


@dataclass(frozen=True)
class Workspace:
    meeting: Meeting
    minutes: Minutes
    items: list[AgendaItem]
    approved_by: str
    may_edit: bool
    may_approve: bool
    may_sign_as_secretary: bool
    may_sign_as_chair: bool
    may_read_drafts: bool

    @property
    def closed(self) -> bool:
        return self.meeting.state == MeetingState.CLOSED.value

    @property
    def editable(self) -> bool:
        return self.minutes.state in (MinutesState.DRAFT.value, MinutesState.APPROVED.value)


async def workspace(tx: Tx, actor: Actor, *, meeting_id: int) -> Workspace:
    meeting = await meeting_of(tx, meeting_id)
    ensure(actor, Permission.VIEW_BODY, meeting.body_id)
    # A draft is the secretariat's alone, its title included (the same rule as its packet).
    await meeting_access(tx.session, actor, meeting)
    # Looking creates nothing: the row is made by the first change to the minutes.
    minutes = (
        await tx.session.exec(select(Minutes).where(Minutes.meeting_id == meeting.id))
    ).first() or Minutes(meeting_id=meeting_id)
    items = list(
        (
            await tx.session.exec(
                select(AgendaItem)
                .where(AgendaItem.meeting_id == meeting.id)
                .order_by(col(AgendaItem.ordinal))
            )
        ).all()
    )
    body = meeting.body_id
    return Workspace(
        meeting=meeting,
        minutes=minutes,
        items=items,
        approved_by=await approver_name(tx, minutes),
        may_edit=can(actor, Permission.EDIT_MINUTES, body),
        may_approve=is_chair_of(actor, meeting),
        may_sign_as_secretary=can(actor, Permission.SIGN_MINUTES_AS_SECRETARY, body),
        may_sign_as_chair=is_chair_of(actor, meeting),
        may_read_drafts=may_read_drafts(actor, meeting),
    )

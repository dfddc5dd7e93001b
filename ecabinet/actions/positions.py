"""Written positions: where each member stands on each agenda item before the meeting.

A member gives (or changes) a position until the meeting's opinion deadline; after it the
positions are frozen and every attempt is refused and audited. An assistant may draft a
position for the member they assist; only the member's submission makes it count. Every
change is kept as a PositionRevision and written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from .. import audit
from ..auth.actor import Actor
from ..auth.permissions import Permission, ensure
from ..db import Tx
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..events import Event, EventKind, PositionChanged
from ..i18n import N_
from ..models import AgendaItem, Meeting, Membership, Position, PositionRevision, utcnow
from ..vocab import ItemStatus, MeetingState, Role, Stance
from .access import MEETING, MEETING_LOCKED
from .ballots import VOTING_ROLES, entitled_voters

MAX_TEXT = 20_000

STANCE_LABELS: dict[str, str] = {
    Stance.AGREE.value: N_("Agree"),
    Stance.AGREE_WITH_COMMENTS.value: N_("Agree, with comments"),
    Stance.DISAGREE.value: N_("Disagree"),
    Stance.DISCUSS.value: N_("Wish to discuss"),
}
# Shown beside the colour, so that no one has to tell colours apart.
STANCE_SYMBOLS: dict[str, str] = {
    Stance.AGREE.value: "✓",
    Stance.AGREE_WITH_COMMENTS.value: "✎",
    Stance.DISAGREE.value: "✗",
    Stance.DISCUSS.value: "⚑",
}
MISSING_SYMBOL = "–"
OPEN_ITEM_STATES = (ItemStatus.PENDING.value, ItemStatus.CONSENT.value, ItemStatus.CONTESTED.value)


class PositionsClosed(Conflict):
    title = "Positions are closed"
    kind = "positions-closed"
    audit = True


@dataclass(frozen=True)
class ItemContext:
    item: AgendaItem
    meeting: Meeting


def deadline_of(meeting: Meeting) -> datetime:
    """Positions are due by the opinion deadline, or at the latest when the meeting starts."""
    return meeting.opinion_deadline or meeting.starts_at


def is_frozen(meeting: Meeting, now: datetime | None = None) -> bool:
    return meeting.state != MeetingState.PUBLISHED.value or (now or utcnow()) >= deadline_of(
        meeting
    )


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


async def item_context(tx: Tx, item_id: int, *, lock: bool = False) -> ItemContext:
    query = select(AgendaItem).where(AgendaItem.id == item_id)
    item = (await tx.session.exec(query.with_for_update() if lock else query)).first()
    if item is None:
        raise NotFound("There is no agenda item with the number %(id)s.", id=item_id)
    meeting = await tx.session.get(Meeting, item.meeting_id)
    assert meeting is not None
    return ItemContext(item, meeting)


async def meeting_for(
    tx: Tx, actor: Actor, meeting_id: int, permission: Permission, *, lock: bool = False
) -> Meeting:
    """The meeting, if the actor holds ``permission`` in its body and may see it (members
    see a meeting only once it is published)."""
    query = MEETING_LOCKED if lock else MEETING
    meeting = (await tx.session.exec(query, params={"meeting": meeting_id})).first()
    if meeting is None:
        raise NotFound("There is no meeting with the number %(id)s.", id=meeting_id)
    ensure(actor, permission, meeting.body_id)
    if meeting.state == MeetingState.DRAFT.value and not _prepares(actor, meeting.body_id):
        raise NotFound("There is no meeting with the number %(id)s.", id=meeting_id)
    return meeting


def _prepares(actor: Actor, body_id: int) -> bool:
    seat = actor.seat(body_id)
    return seat is not None and seat.role == Role.SECRETARIAT.value


def voting_seat(actor: Actor, body_id: int) -> Membership:
    seat = ensure(actor, Permission.GIVE_POSITION, body_id)
    if seat is None or seat.role not in VOTING_ROLES or seat.stand_in_for_id is not None:
        raise Forbidden("Only members of the body give written positions.")
    return seat


def clean_position(stance: str, text: str) -> tuple[str, str]:
    if stance not in STANCE_LABELS:
        raise ValidationFailed(
            'The position must be one of "agree", "agree_with_comments", "disagree" or "discuss".'
        )
    text = text.strip()
    if stance != Stance.AGREE.value and not text:
        raise ValidationFailed('Say why in a few words: only a plain "agree" needs no text.')
    if len(text) > MAX_TEXT:
        raise ValidationFailed("The text is longer than %(limit)s characters.", limit=MAX_TEXT)
    return stance, text


async def ensure_open(tx: Tx, actor: Actor, context: ItemContext) -> None:
    """Refuse, precisely and on the record, once positions on this item are frozen."""
    meeting, item = context.meeting, context.item
    subject = f"item:{item.id}"
    if meeting.state == MeetingState.DRAFT.value:
        raise Conflict("The meeting has not been published yet; positions open when it is.")
    if meeting.state != MeetingState.PUBLISHED.value:
        await tx.refuse(
            PositionsClosed(
                "The meeting is already %(state)s; written positions are frozen and yours was "
                "not recorded.",
                state=meeting.state,
            ),
            actor_id=actor.person_id,
            subject=subject,
        )
    deadline = deadline_of(meeting)
    if utcnow() >= deadline:
        await tx.refuse(
            PositionsClosed(
                "The deadline for written positions passed at %(deadline)s; positions are frozen "
                "and yours was not recorded.",
                deadline=stamp(deadline),
            ),
            actor_id=actor.person_id,
            subject=subject,
            deadline=deadline.isoformat(),
        )
    if item.status not in OPEN_ITEM_STATES:
        await tx.refuse(
            PositionsClosed(
                "This item is already %(status)s; positions on it are frozen.", status=item.status
            ),
            actor_id=actor.person_id,
            subject=subject,
        )


async def current(tx: Tx, item_id: int, membership_id: int) -> Position | None:
    return (
        await tx.session.exec(
            select(Position).where(
                Position.item_id == item_id, Position.membership_id == membership_id
            )
        )
    ).first()


async def give_position(
    tx: Tx,
    actor: Actor,
    *,
    item_id: int,
    stance: str,
    text: str,
    revision: int | None = None,
) -> Position:
    """The member's own position, submitted (it counts in the triage at once).

    ``revision``: when the position was written offline, the revision of the position the
    tablet showed then (0: there was none). A position changed since (by the member
    elsewhere, or an assistant's draft) is a conflict, not silently overwritten."""
    context = await item_context(tx, item_id, lock=True)
    seat = voting_seat(actor, context.meeting.body_id)
    await ensure_open(tx, actor, context)
    stance, text = clean_position(stance, text)
    assert seat.id is not None
    position = await current(tx, item_id, seat.id)
    if (
        position is not None
        and position.submitted_at is not None
        and (position.stance, position.text) == (stance, text)
    ):
        return position  # the same answer again changes nothing
    if revision is not None and position is not None and position.revision != revision:
        raise Conflict(
            "Your position on this item was changed at %(when)s, after the one "
            "written on this tablet; read it, then send yours again if you still "
            "want it.",
            when=stamp(position.updated_at),
        )
    return await _save(tx, actor, context, seat, position, stance, text, submitted=True)


class DraftChanged(Conflict):
    title = "The draft changed"
    kind = "draft-changed"


async def submit_draft(tx: Tx, actor: Actor, *, item_id: int, revision: int) -> Position:
    """The member submits the draft their assistant prepared, as the revision they
    reviewed: a draft changed since is refused, never submitted unseen."""
    context = await item_context(tx, item_id, lock=True)
    seat = voting_seat(actor, context.meeting.body_id)
    await ensure_open(tx, actor, context)
    assert seat.id is not None
    position = await current(tx, item_id, seat.id)
    if position is None or position.submitted_at is not None:
        raise Conflict("There is no draft waiting for you on this item.")
    if position.revision != revision:
        raise DraftChanged(
            "Your assistant changed this draft after you reviewed it (you reviewed revision "
            "%(seen)s, it is now revision %(now)s); read it again before submitting it.",
            seen=revision,
            now=position.revision,
        )
    return await _save(
        tx, actor, context, seat, position, position.stance, position.text, submitted=True
    )


async def assisted_seat(tx: Tx, actor: Actor, body_id: int, member_id: int) -> Membership:
    """The member's seat, if the actor is that member's assistant."""
    mine = ensure(actor, Permission.VIEW_BODY, body_id)
    member = await tx.session.get(Membership, member_id)
    if (
        member is None
        or member.body_id != body_id
        or mine is None
        or mine.assists_id != member_id
        or not mine.active
    ):
        raise Forbidden("You are not the assistant of this member.")
    return member


async def draft_position(
    tx: Tx, actor: Actor, *, item_id: int, member_id: int, stance: str, text: str
) -> Position:
    """An assistant drafts; the draft counts for nothing until the member submits it."""
    context = await item_context(tx, item_id, lock=True)
    member = await assisted_seat(tx, actor, context.meeting.body_id, member_id)
    await ensure_open(tx, actor, context)
    stance, text = clean_position(stance, text)
    position = await current(tx, item_id, member_id)
    if position is not None and position.submitted_at is not None:
        raise Conflict(
            "The member has already submitted a position on this item; only they can change it."
        )
    return await _save(tx, actor, context, member, position, stance, text, submitted=False)


async def _save(
    tx: Tx,
    actor: Actor,
    context: ItemContext,
    seat: Membership,
    position: Position | None,
    stance: str,
    text: str,
    *,
    submitted: bool,
) -> Position:
    now = utcnow()
    assert seat.id is not None and context.item.id is not None
    if position is None:
        position = Position(
            item_id=context.item.id, membership_id=seat.id, stance=stance, text=text
        )
    position.stance, position.text, position.updated_at = stance, text, now
    position.revision += 1
    if submitted:
        position.submitted_at = now
    else:
        position.drafted_by_id = actor.person_id
    tx.session.add(position)
    await tx.session.flush()
    assert position.id is not None
    action = "submitted" if submitted else "drafted"
    tx.session.add(
        PositionRevision(
            position_id=position.id,
            stance=stance,
            text=text,
            changed_by_id=actor.person_id,
            changed_at=now,
            action=action,
        )
    )
    await audit.record(
        tx.session,
        f"position.{action}",
        actor_id=actor.person_id,
        body_id=context.meeting.body_id,
        subject=f"item:{context.item.id}",
        meeting=context.meeting.id,
        member=seat.id,
        stance=stance,
        text=text,
    )
    # For the people who see the matrix only: not a live-session event of the meeting.
    assert context.meeting.id is not None
    tx.emit(
        Event.of(
            EventKind.POSITION_CHANGED,
            PositionChanged(context.meeting.id, context.item.id, seat.id, submitted),
            body_id=context.meeting.body_id,
        )
    )
    if not submitted:
        await _tell_member(tx, actor, context, seat)
    return position


async def _tell_member(tx: Tx, actor: Actor, context: ItemContext, seat: Membership) -> None:
    from .notifications import notify

    await notify(
        tx,
        [seat.person_id],
        kind="position.draft",
        body_id=context.meeting.body_id,
        subject=f"item:{context.item.id}",
        message=N_('Your assistant drafted a position on "%(item)s"; check it and submit it.'),
        link=f"/meetings/{context.meeting.id}/positions",
        item=context.item.title,
    )


async def items_of(tx: Tx, meeting_id: int | None) -> list[AgendaItem]:
    rows = await tx.session.exec(
        select(AgendaItem)
        .where(AgendaItem.meeting_id == meeting_id)
        .order_by(col(AgendaItem.ordinal), col(AgendaItem.id))
    )
    return list(rows.all())


async def positions_in(tx: Tx, item_ids: list[int]) -> list[Position]:
    if not item_ids:
        return []
    rows = await tx.session.exec(select(Position).where(col(Position.item_id).in_(item_ids)))
    return list(rows.all())


@dataclass(frozen=True)
class MemberSheet:
    """What one member sees: every item with their position (or the draft waiting)."""

    meeting: Meeting
    seat: Membership
    items: list[AgendaItem]
    positions: dict[int, Position]
    frozen: bool

    @property
    def open_items(self) -> list[AgendaItem]:
        return [
            i
            for i in self.items
            if i.id is not None
            and (i.id not in self.positions or self.positions[i.id].submitted_at is None)
        ]


async def member_sheet(
    tx: Tx, actor: Actor, meeting_id: int, *, member_id: int | None = None
) -> MemberSheet:
    """The actor's own sheet, or (``member_id``) the sheet of the member they assist."""
    meeting = await meeting_for(tx, actor, meeting_id, Permission.VIEW_BODY)
    if member_id is None:
        seat = voting_seat(actor, meeting.body_id)
    else:
        seat = await assisted_seat(tx, actor, meeting.body_id, member_id)
    items = await items_of(tx, meeting.id)
    rows = await positions_in(tx, [i.id for i in items if i.id is not None])
    mine = {p.item_id: p for p in rows if p.membership_id == seat.id}
    return MemberSheet(meeting, seat, items, mine, is_frozen(meeting))


async def history(tx: Tx, actor: Actor, *, item_id: int, member_id: int) -> list[PositionRevision]:
    """Every revision of one member's position: for the member, their assistant, and those
    who see the matrix."""
    context = await item_context(tx, item_id)
    body_id = context.meeting.body_id
    seat = ensure(actor, Permission.VIEW_BODY, body_id)
    allowed = seat is not None and (seat.id == member_id or seat.assists_id == member_id)
    if not allowed:
        ensure(actor, Permission.VIEW_POSITIONS, body_id)
    position = await current(tx, item_id, member_id)
    if position is None:
        return []
    rows = await tx.session.exec(
        select(PositionRevision)
        .where(PositionRevision.position_id == position.id)
        .order_by(col(PositionRevision.id))
    )
    return list(rows.all())


async def electorate_of(tx: Tx, meeting: Meeting) -> list[Membership]:
    return await entitled_voters(tx.session, meeting.body_id)

"""Conflicts of interest: a member declares, before the session or during it, that they do
not take part in an agenda item, with a reason. From then on they are out of that item's
electorate (a vote opened on it does not count them among its voters) and, unless the
body counts them (``Body.recused_count_in_quorum``, off by default: the conservative
reading), out of its quorum; the minutes name them under the item.

A declaration can be withdrawn only while no vote has been opened on the item, so an
electorate never changes under a vote. Both are audited and refresh the live screens.
"""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from .. import audit
from ..auth.actor import Actor
from ..auth.permissions import ensure_signed_in
from ..db import Tx
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..events import EventKind
from ..models import AgendaItem, Meeting, Poll, Recusal, utcnow
from ..vocab import MeetingState, PollKind
from .access import load_meeting
from .attendance import VOTING_ROLES
from .session import SETTLED, emit

MAX_REASON = 2_000


async def recused_seats(db: AsyncSession, item_id: int) -> set[int]:
    """The seats that declared a conflict of interest on the item (and did not withdraw)."""
    rows = await db.exec(
        select(Recusal.membership_id).where(
            Recusal.item_id == item_id, col(Recusal.withdrawn_at).is_(None)
        )
    )
    return set(rows.all())


async def of_item(db: AsyncSession, item_id: int) -> list[Recusal]:
    rows = await db.exec(
        select(Recusal)
        .where(Recusal.item_id == item_id, col(Recusal.withdrawn_at).is_(None))
        .order_by(col(Recusal.declared_at), col(Recusal.id))
    )
    return list(rows.all())


def _seat(actor: Actor, meeting: Meeting) -> int:
    ensure_signed_in(actor)
    seat = actor.seat(meeting.body_id)
    if seat is None or seat.id is None or seat.role not in VOTING_ROLES:
        raise Forbidden("Only members of the body declare a conflict of interest on an item.")
    return seat.stand_in_for_id or seat.id


async def _item(tx: Tx, item_id: int) -> tuple[AgendaItem, Meeting]:
    item = await tx.session.get(AgendaItem, item_id)
    if item is None:
        raise NotFound("There is no agenda item with the number %(id)s.", id=item_id)
    meeting = await load_meeting(tx.session, item.meeting_id, lock=True)
    return item, meeting


async def _voted_on(tx: Tx, item_id: int) -> bool:
    return (
        await tx.session.exec(
            select(Poll.id).where(Poll.item_id == item_id, Poll.kind == PollKind.LIVE.value)
        )
    ).first() is not None


def _refresh(tx: Tx, meeting: Meeting, **data: object) -> None:
    if meeting.state == MeetingState.IN_SESSION.value:
        emit(tx, meeting, EventKind.RECUSAL_CHANGED, **data)


async def declare(tx: Tx, actor: Actor, item_id: int, reason: str) -> Recusal:
    """Declare a conflict of interest on the item, before or during the session; refused
    once a vote on it has opened (the electorate is fixed when a vote opens)."""
    item, meeting = await _item(tx, item_id)
    seat_id = _seat(actor, meeting)
    if meeting.state not in (MeetingState.PUBLISHED.value, MeetingState.IN_SESSION.value):
        raise Conflict(
            "A conflict of interest is declared on a published meeting, before its session ends."
        )
    if item.status in SETTLED:
        raise Conflict("This item was already dealt with (%(status)s).", status=item.status)
    if await _voted_on(tx, item_id):
        raise Conflict(
            "A vote was already opened on this item: declare a conflict of "
            "interest before the vote opens."
        )
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationFailed("Say briefly why you have a conflict of interest on this item.")
    if len(reason) > MAX_REASON:
        raise ValidationFailed("A reason has at most %(limit)s characters.", limit=MAX_REASON)
    assert item.id is not None
    if seat_id in await recused_seats(tx.session, item.id):
        raise Conflict("You already declared a conflict of interest on this item.")
    recusal = Recusal(
        meeting_id=meeting.id or 0,
        item_id=item.id,
        membership_id=seat_id,
        reason=reason,
        declared_by_id=actor.person_id,
    )
    tx.session.add(recusal)
    await tx.session.flush()
    await audit.record(
        tx.session,
        "recusal.declared",
        actor_id=actor.person_id,
        body_id=meeting.body_id,
        subject=f"item:{item.id}",
        seat=seat_id,
        reason=reason,
    )
    _refresh(tx, meeting, item=item.id, seat=seat_id, step="declared")
    return recusal


async def withdraw(tx: Tx, actor: Actor, recusal_id: int) -> Recusal:
    recusal = await tx.session.get(Recusal, recusal_id)
    if recusal is None or recusal.withdrawn_at is not None:
        raise NotFound(
            "There is no declared conflict of interest with the number %(id)s.", id=recusal_id
        )
    item, meeting = await _item(tx, recusal.item_id)
    if _seat(actor, meeting) != recusal.membership_id:
        raise Forbidden("Only the member who declared a conflict of interest can withdraw it.")
    if await _voted_on(tx, recusal.item_id):
        raise Conflict("A vote was already opened on this item: the declaration stands.")
    recusal.withdrawn_at = utcnow()
    tx.session.add(recusal)
    await audit.record(
        tx.session,
        "recusal.withdrawn",
        actor_id=actor.person_id,
        body_id=meeting.body_id,
        subject=f"item:{item.id}",
        seat=recusal.membership_id,
    )
    _refresh(tx, meeting, item=item.id, seat=recusal.membership_id, step="withdrawn")
    return recusal

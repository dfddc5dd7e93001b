"""The chair runs the session: open it, adopt the consent block, take the items in order,
record each conclusion, move on, close it. Votes are in live_votes.py.

What each step needs is one table (ALLOWED) over the session's phase; a refused step says
exactly why. Every step is audited and reaches the tablets as a numbered event after commit.
The secretariat may run the session on the chair's behalf.
"""

from __future__ import annotations

from datetime import UTC
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from .. import audit
from ..auth.actor import Actor
from ..auth.permissions import Permission, can, ensure_signed_in
from ..db import Tx
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..events import Event, EventKind, MeetingChanged
from ..i18n import N_
from ..models import AgendaItem, Body, Meeting, Poll, utcnow
from ..vocab import ItemStatus, MeetingState, PollKind, PollState
from . import meetings
from .access import load_meeting
from .attendance import quorum_of, seats_of
from .speaker_rows import lapse


class Phase(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"  # not opened yet
    OPEN = "open"  # in session, no item taken
    ITEM = "item"  # an item is being taken
    VOTING = "voting"  # a vote is open on the current item
    CLOSED = "closed"


class Step(StrEnum):
    OPEN_SESSION = "open_session"
    CHECK_IN = "check_in"
    ADOPT_CONSENT = "adopt_consent"
    TAKE_ITEM = "take_item"
    OPEN_VOTE = "open_vote"
    CLOSE_VOTE = "close_vote"
    CONCLUDE = "conclude"
    CLOSE_SESSION = "close_session"


ALLOWED: dict[Step, frozenset[Phase]] = {
    Step.OPEN_SESSION: frozenset({Phase.PUBLISHED}),
    Step.CHECK_IN: frozenset({Phase.PUBLISHED, Phase.OPEN, Phase.ITEM, Phase.VOTING}),
    Step.ADOPT_CONSENT: frozenset({Phase.OPEN, Phase.ITEM}),
    Step.TAKE_ITEM: frozenset({Phase.OPEN, Phase.ITEM}),
    Step.OPEN_VOTE: frozenset({Phase.ITEM}),
    Step.CLOSE_VOTE: frozenset({Phase.VOTING}),
    Step.CONCLUDE: frozenset({Phase.ITEM}),
    Step.CLOSE_SESSION: frozenset({Phase.OPEN, Phase.ITEM}),
}

# Why a phase refuses a step, unless a (step, phase) pair has its own message below.
_BECAUSE: dict[Phase, str] = {
    Phase.DRAFT: N_("The meeting is still a draft: it must be published before its session."),
    Phase.PUBLISHED: N_("The session has not been opened yet."),
    Phase.OPEN: N_("No item is being taken: take the next item first."),
    Phase.ITEM: N_("No vote is open on the current item."),
    Phase.VOTING: N_("A vote is open: close it first."),
    Phase.CLOSED: N_("The session is closed."),
}
_REFUSALS: dict[tuple[Step, Phase], str] = {
    (Step.OPEN_SESSION, Phase.OPEN): N_("The session is already open."),
    (Step.OPEN_SESSION, Phase.ITEM): N_("The session is already open."),
    (Step.OPEN_SESSION, Phase.VOTING): N_("The session is already open."),
    (Step.OPEN_VOTE, Phase.VOTING): N_(
        "A vote is already open on this item; close it before opening another."
    ),
    (Step.CONCLUDE, Phase.VOTING): N_(
        "A vote is open on this item: close it before recording the conclusion."
    ),
    (Step.TAKE_ITEM, Phase.VOTING): N_("A vote is open: close it before moving on."),
    (Step.CLOSE_SESSION, Phase.VOTING): N_("A vote is open: close it before closing the session."),
    (Step.ADOPT_CONSENT, Phase.VOTING): N_(
        "A vote is open: close it before adopting the consent block."
    ),
    (Step.CHECK_IN, Phase.CLOSED): N_("The session is closed; check-in has ended."),
}

SETTLED = frozenset(
    {
        ItemStatus.ADOPTED.value,
        ItemStatus.REJECTED.value,
        ItemStatus.CONCLUDED.value,
        ItemStatus.DEFERRED.value,
    }
)
# The live agenda: what the triage left for debate (all items when there was no triage).
LIVE = (ItemStatus.PENDING.value, ItemStatus.CONTESTED.value)
MAX_CONCLUSION = 20_000


class SessionRefused(Conflict):
    title = "Not possible at this point of the session"
    kind = "session-step"


async def open_poll_of(tx: Tx, meeting_id: int) -> Poll | None:
    return (
        await tx.session.exec(
            select(Poll).where(
                Poll.meeting_id == meeting_id,
                Poll.kind == PollKind.LIVE.value,
                Poll.state == PollState.OPEN.value,
            )
        )
    ).first()


async def phase_of(tx: Tx, meeting: Meeting) -> Phase:
    if meeting.state == MeetingState.DRAFT.value:
        return Phase.DRAFT
    if meeting.state == MeetingState.PUBLISHED.value:
        return Phase.PUBLISHED
    if meeting.state == MeetingState.CLOSED.value:
        return Phase.CLOSED
    assert meeting.id is not None
    if await open_poll_of(tx, meeting.id) is not None:
        return Phase.VOTING
    return Phase.OPEN if meeting.current_item_id is None else Phase.ITEM


def refusal(step: Step, phase: Phase) -> str | None:
    if phase in ALLOWED[step]:
        return None
    return _REFUSALS.get((step, phase)) or _BECAUSE[phase]


async def ensure_step(tx: Tx, meeting: Meeting, step: Step) -> Phase:
    phase = await phase_of(tx, meeting)
    why = refusal(step, phase)
    if why is not None:
        raise SessionRefused(why)
    return phase


def may_run(actor: Actor, meeting: Meeting) -> bool:
    return can(actor, Permission.RUN_SESSION, meeting.body_id)


def ensure_runs(actor: Actor, meeting: Meeting) -> None:
    ensure_signed_in(actor)
    if not may_run(actor, meeting):
        raise Forbidden(
            "Only the chair, or the secretariat on the chair's behalf, runs the session."
        )


async def runnable(tx: Tx, actor: Actor, meeting_id: int, step: Step) -> Meeting:
    """Load and lock the meeting, check the actor may run it and the step is allowed now."""
    meeting = await load_meeting(tx.session, meeting_id, lock=True)
    ensure_runs(actor, meeting)
    await ensure_step(tx, meeting, step)
    return meeting


def emit(tx: Tx, meeting: Meeting, kind: EventKind, **data: object) -> None:
    assert meeting.id is not None
    tx.emit(
        Event.of(
            kind, MeetingChanged(meeting.id, data), body_id=meeting.body_id, meeting_id=meeting.id
        )
    )


async def record(tx: Tx, actor: Actor, meeting: Meeting, kind: EventKind, **data: object) -> None:
    await audit.record(
        tx.session,
        kind,
        actor_id=actor.person_id,
        body_id=meeting.body_id,
        subject=f"meeting:{meeting.id}",
        **data,
    )
    emit(tx, meeting, kind, **data)


# --- opening and closing ----------------------------------------------------------------


class NoQuorumYet(Conflict):
    title = "There is no quorum yet"
    kind = "no-quorum-yet"


class OpensBeforeItsDate(Conflict):
    title = "The session is scheduled for a later date"
    kind = "opens-before-its-date"


class OpensAfterItsDate(Conflict):
    title = "The session's scheduled date has passed"
    kind = "opens-after-its-date"


async def open_session(
    tx: Tx,
    actor: Actor,
    meeting_id: int,
    *,
    confirm: bool = False,
    confirm_early: bool = False,
    confirm_late: bool = False,
    time_zone: str = "Asia/Ho_Chi_Minh",
) -> Meeting:
    """Open the session. Without a quorum present the chair is warned first and must
    confirm (members often check in after the opening); the minutes then say when the
    quorum was reached, and the audit log that the chair opened without it. Opening on a
    day before the scheduled date is a second warning, confirmed separately and audited;
    so is opening on a day after it (the deadline the members were called for passed)."""
    meeting = await runnable(tx, actor, meeting_id, Step.OPEN_SESSION)
    zone = ZoneInfo(time_zone)
    starts = meeting.starts_at
    if starts.tzinfo is None:  # the column stores UTC
        starts = starts.replace(tzinfo=UTC)
    scheduled = starts.astimezone(zone).date()
    today = utcnow().astimezone(zone).date()
    if today < scheduled:
        if not confirm_early:
            raise OpensBeforeItsDate(
                "This session is scheduled for %(date)s; today is %(today)s. Open it before "
                "its date only if the members were told (confirm to open).",
                date=f"{scheduled:%d/%m/%Y}",
                today=f"{today:%d/%m/%Y}",
            )
        await audit.record(
            tx.session,
            "session.opened_before_its_date",
            actor_id=actor.person_id,
            body_id=meeting.body_id,
            subject=f"meeting:{meeting.id}",
            scheduled=scheduled.isoformat(),
            opened=today.isoformat(),
        )
    if today > scheduled:
        if not confirm_late:
            raise OpensAfterItsDate(
                "This session was scheduled for %(date)s; today is %(today)s, %(days)s days "
                "later. Open it now only if the members were called for today (confirm to "
                "open).",
                date=f"{scheduled:%d/%m/%Y}",
                today=f"{today:%d/%m/%Y}",
                days=(today - scheduled).days,
            )
        await audit.record(
            tx.session,
            "session.opened_after_its_date",
            actor_id=actor.person_id,
            body_id=meeting.body_id,
            subject=f"meeting:{meeting.id}",
            scheduled=scheduled.isoformat(),
            opened=today.isoformat(),
        )
    body = await tx.session.get(Body, meeting.body_id)
    assert body is not None
    quorum = quorum_of(body, await seats_of(tx.session, meeting))
    if not quorum.met and not confirm:
        raise NoQuorumYet(
            "There is no quorum yet: %(present)s of %(members)s members have checked in and "
            "%(needed)s are needed. Open the session anyway only if members will check in "
            "before any vote (confirm to open).",
            present=quorum.present,
            members=quorum.members,
            needed=quorum.needed,
        )
    if not quorum.met:
        await audit.record(
            tx.session,
            "session.opened_without_quorum",
            actor_id=actor.person_id,
            body_id=meeting.body_id,
            subject=f"meeting:{meeting.id}",
            present=quorum.present,
            members=quorum.members,
            needed=quorum.needed,
        )
    # The state change itself (and its audit event) belongs to the meeting's life cycle.
    return await meetings.open_session(tx, actor, meeting_id)


async def close_session(tx: Tx, actor: Actor, meeting_id: int) -> Meeting:
    """Close the session; what was not dealt with is recorded as deferred."""
    meeting = await runnable(tx, actor, meeting_id, Step.CLOSE_SESSION)
    deferred = []
    for item in await items_of(tx, meeting):
        if item.status not in SETTLED:
            item.status = ItemStatus.DEFERRED.value
            tx.session.add(item)
            deferred.append(item.id)
    if meeting.current_item_id is not None:
        await lapse(tx, meeting.current_item_id)
    meeting.current_item_id = None
    tx.session.add(meeting)
    if deferred:
        await audit.record(
            tx.session,
            "session.items_deferred",
            actor_id=actor.person_id,
            body_id=meeting.body_id,
            subject=f"meeting:{meeting.id}",
            items=deferred,
        )
    return await meetings.close(tx, actor, meeting_id)


# --- the agenda -------------------------------------------------------------------------


async def items_of(tx: Tx, meeting: Meeting) -> list[AgendaItem]:
    rows = await tx.session.exec(
        select(AgendaItem)
        .where(AgendaItem.meeting_id == meeting.id)
        .order_by(col(AgendaItem.ordinal), col(AgendaItem.id))
    )
    return list(rows.all())


async def adopt_consent_block(tx: Tx, actor: Actor, meeting_id: int) -> list[AgendaItem]:
    """Adopt, in one act, every item still in the consent block (members could pull items
    out of it until now)."""
    meeting = await runnable(tx, actor, meeting_id, Step.ADOPT_CONSENT)
    if meeting.consent_adopted_at is not None:
        raise SessionRefused("The consent block was already adopted.")
    block = [i for i in await items_of(tx, meeting) if i.status == ItemStatus.CONSENT.value]
    if not block:
        raise SessionRefused("The consent block is empty: every item is on the live agenda.")
    for item in block:
        item.status = ItemStatus.ADOPTED.value
        tx.session.add(item)
    meeting.consent_adopted_at = utcnow()
    tx.session.add(meeting)
    await record(tx, actor, meeting, EventKind.SESSION_CONSENT_ADOPTED, items=[i.id for i in block])
    return block


async def take_item(
    tx: Tx, actor: Actor, meeting_id: int, item_id: int | None = None
) -> AgendaItem:
    """Take the given item, or the next one of the live agenda in order."""
    meeting = await runnable(tx, actor, meeting_id, Step.TAKE_ITEM)
    items = await items_of(tx, meeting)
    current = next((i for i in items if i.id == meeting.current_item_id), None)
    if current is not None and current.status not in SETTLED:
        raise SessionRefused(
            "Record the conclusion of the current item (or defer it) before taking another."
        )
    item = _choose(items, item_id)
    if current is not None and current.id is not None:
        await lapse(tx, current.id)
    meeting.current_item_id = item.id
    tx.session.add(meeting)
    await record(tx, actor, meeting, EventKind.SESSION_ITEM_TAKEN, item=item.id, title=item.title)
    return item


def _choose(items: list[AgendaItem], item_id: int | None) -> AgendaItem:
    if item_id is None:
        waiting = [i for i in items if i.status in LIVE]
        if not waiting:
            raise SessionRefused(
                "Every item on the live agenda has been dealt with; the session can be closed."
            )
        return waiting[0]
    item = next((i for i in items if i.id == item_id), None)
    if item is None:
        raise NotFound("This meeting has no agenda item with the number %(id)s.", id=item_id)
    if item.status == ItemStatus.CONSENT.value:
        raise SessionRefused(
            "This item is in the consent block: it is adopted with the "
            "block, unless a member pulls it out first."
        )
    if item.status not in LIVE:
        raise SessionRefused("This item was already dealt with (%(status)s).", status=item.status)
    return item


async def conclude_item(
    tx: Tx, actor: Actor, item_id: int, *, text: str, defer: bool = False
) -> AgendaItem:
    """Record the chair's conclusion on the current item; a vote's result stays its status."""
    item = await tx.session.get(AgendaItem, item_id)
    if item is None:
        raise NotFound("There is no agenda item with the number %(id)s.", id=item_id)
    meeting = await runnable(tx, actor, item.meeting_id, Step.CONCLUDE)
    if meeting.current_item_id != item.id:
        raise SessionRefused("Only the item being taken can be concluded; take it first.")
    text = text.strip()
    if not text and not defer:
        raise ValidationFailed("Write the chair's conclusion on this item.")
    if len(text) > MAX_CONCLUSION:
        raise ValidationFailed(
            "A conclusion has at most %(limit)s characters.", limit=MAX_CONCLUSION
        )
    if defer and item.status in SETTLED - {ItemStatus.DEFERRED.value}:
        raise SessionRefused(
            "This item was already decided (%(status)s); it cannot be deferred.", status=item.status
        )
    item.conclusion = text
    await lapse(tx, item_id)
    if defer:
        item.status = ItemStatus.DEFERRED.value
    elif item.status not in SETTLED:
        item.status = ItemStatus.CONCLUDED.value
    tx.session.add(item)
    await record(
        tx,
        actor,
        meeting,
        EventKind.SESSION_ITEM_CONCLUDED,
        item=item.id,
        status=item.status,
        conclusion=text,
    )
    return item

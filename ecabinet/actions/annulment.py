"""The chair annuls a live vote with a reason, and re-runs it.

A vote open on the item being taken, or just closed on it (the chair has not moved on),
can be annulled while the session sits and before its minutes are approved. Its ballots
stay stored, as evidence, but count for nothing: the stored outcome is kept as what was
announced, marked annulled, and the item's decision reverts: the item is open again, in
the status it had when the vote opened (pending, or contested after the triage). A re-run
is a new vote with the same question, options, texts voted on and time limit, pointing at
the annulled one; members vote again with their passkeys.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from .. import audit
from ..auth.actor import Actor
from ..db import Tx
from ..errors import Conflict, ValidationFailed
from ..events import EventKind
from ..models import AgendaItem, Meeting, Minutes, Poll, PollQuestion, utcnow
from ..vocab import ItemStatus, MeetingState, MinutesState, PollState
from . import live_votes, session
from .access import load_meeting

MAX_REASON = 2_000
# What an annulled vote's item goes back to when the vote did not record the item's
# status (opened before it was recorded): on the live agenda, to be decided.
REOPENED = ItemStatus.CONTESTED


class AlreadyAnnulled(Conflict):
    title = "The vote was already annulled"
    kind = "already-annulled"


class MinutesApproved(Conflict):
    title = "The minutes are already approved"
    kind = "minutes-approved"


class SessionClosed(Conflict):
    title = "The session is closed"
    kind = "session-closed"


@dataclass(frozen=True)
class Annulled:
    poll: Poll
    question: PollQuestion
    item: AgendaItem | None


async def _minutes_approved(tx: Tx, meeting_id: int) -> bool:
    state = (
        await tx.session.exec(select(Minutes.state).where(Minutes.meeting_id == meeting_id))
    ).first()
    return state is not None and state != MinutesState.DRAFT.value


async def _check_annullable(tx: Tx, actor: Actor, poll: Poll, meeting: Meeting) -> None:
    session.ensure_runs(actor, meeting)
    if poll.state == PollState.ANNULLED.value:
        raise AlreadyAnnulled(
            "This vote was already annulled: %(reason)s", reason=poll.annul_reason
        )
    assert meeting.id is not None
    if await _minutes_approved(tx, meeting.id):
        raise MinutesApproved(
            "The minutes of this meeting are already approved; a vote in them can no longer "
            "be annulled."
        )
    if meeting.state != MeetingState.IN_SESSION.value:
        raise SessionClosed(
            "This vote belongs to a session that is no longer sitting; it can no longer be "
            "annulled."
        )
    if poll.state not in (PollState.OPEN.value, PollState.CLOSED.value):
        raise session.SessionRefused("This vote is %(state)s.", state=poll.state)
    if poll.item_id != meeting.current_item_id:
        raise session.SessionRefused(
            "Only a vote on the item being taken can be annulled; the session has moved on."
        )


def _reason(text: str) -> str:
    reason = " ".join(text.split())
    if not reason:
        raise ValidationFailed(
            "Give the reason for annulling the vote: every screen shows it and the minutes "
            "record it."
        )
    if len(reason) > MAX_REASON:
        raise ValidationFailed("A reason has at most %(limit)s characters.", limit=MAX_REASON)
    return reason


async def annul_vote(tx: Tx, actor: Actor, poll_id: int, *, reason: str) -> Annulled:
    poll = await live_votes.locked_live_poll(tx, poll_id)
    assert poll.meeting_id is not None
    meeting = await load_meeting(tx.session, poll.meeting_id, lock=True)
    await _check_annullable(tx, actor, poll, meeting)
    text = _reason(reason)
    was = poll.state
    poll.state, poll.annulled_at = PollState.ANNULLED.value, utcnow()
    poll.annulled_by_id, poll.annul_reason = actor.person_id, text
    tx.session.add(poll)
    question = await live_votes.question_of(tx, poll)
    item = None if poll.item_id is None else await tx.session.get(AgendaItem, poll.item_id)
    if item is not None and item.status in (ItemStatus.ADOPTED.value, ItemStatus.REJECTED.value):
        item.status = poll.item_status_before or REOPENED.value
        tx.session.add(item)
    assert question.id is not None
    ballots = await live_votes.current_ballots(tx, question.id)
    annulled: dict[str, object] = {
        "poll": poll.id,
        "item": poll.item_id,
        "question": question.text,
        "reason": text,
        "was": was,
    }
    # The ballots that no longer count are named on the record, as the close names those
    # that do.
    await audit.record(
        tx.session,
        EventKind.VOTE_ANNULLED,
        actor_id=actor.person_id,
        body_id=meeting.body_id,
        subject=f"meeting:{meeting.id}",
        **annulled,
        receipts=sorted(b.receipt for b in ballots),
    )
    session.emit(tx, meeting, EventKind.VOTE_ANNULLED, **annulled)
    return Annulled(poll, question, item)


async def rerun_vote(tx: Tx, actor: Actor, poll_id: int, *, confirm_changed: bool = False) -> Poll:
    """Open the annulled vote again: same question, options, texts and time limit."""
    original = await live_votes.locked_live_poll(tx, poll_id)
    assert original.meeting_id is not None and original.item_id is not None
    meeting = await load_meeting(tx.session, original.meeting_id)
    session.ensure_runs(actor, meeting)
    if original.state != PollState.ANNULLED.value:
        raise session.SessionRefused(
            "Only an annulled vote can be re-run; this one is %(state)s.", state=original.state
        )
    again = (
        await tx.session.exec(select(Poll.id).where(col(Poll.rerun_of_id) == original.id))
    ).first()
    if again is not None:
        raise session.SessionRefused("This vote was already re-run (vote number %(id)s).", id=again)
    question = await live_votes.question_of(tx, original)
    duration = (
        None
        if original.deadline is None or original.opened_at is None
        else int((original.deadline - original.opened_at).total_seconds())
    )
    return await live_votes.open_vote(
        tx,
        actor,
        original.item_id,
        question=question.text,
        secret=original.secret,
        confirm_changed=confirm_changed,
        duration=duration,
        options=[(o["label"], o.get("label_en", "")) for o in question.options],
        rerun_of=original,
        roll_call=original.roll_call,
    )

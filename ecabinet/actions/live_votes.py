"""Live votes in the session: the chair opens a vote on the current item, members vote on
their tablets with passkey-signed ballots (actions/ballots.py), the chair closes it and the
body's rules decide.

A timed vote (``duration`` seconds) refuses ballots after its deadline
(actions/ballots.py) and closes itself at its deadline: the timer of the process that
opened it (ecabinet/vote_timers.py), or the sweeper of whichever process gets there first,
runs ``close_if_due``, which locks the poll and closes it once; the others find it closed.

A live vote asks one question with the body's options, or a "choose one option" question
with the options the secretariat prepared (phương án, ecabinet/vote_options.py), by open
or secret ballot (secret only where the body allows it), and opens only with a quorum
present. Its rules and its electorate (all voting members) are frozen when it opens. The
outcome, with the rule that decided it, is stored on the question; the item is adopted or
rejected accordingly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import col, select

from .. import audit, vote_options
from ..auth.actor import Actor
from ..db import Tx
from ..errors import Conflict, NotFound, ValidationFailed
from ..events import EventKind
from ..i18n import N_
from ..models import (
    AgendaItem,
    Ballot,
    Body,
    Document,
    DocumentVersion,
    Meeting,
    Membership,
    Poll,
    PollQuestion,
    rules_of,
    utcnow,
)
from ..rules import Outcome, Rules, chair_seat, decide_vote
from ..vocab import AttendanceMode, ItemStatus, NoticeKind, PollKind, PollState, Role
from . import notifications, recusals, session, voted_texts
from .access import load_meeting
from .attendance import quorum_of, seats_of

MAX_QUESTION = 1_000
# A timed vote lasts between these (seconds): long enough to vote with a passkey, and no
# longer than a sitting.
MIN_DURATION = 15
MAX_DURATION = 4 * 3600


@dataclass(frozen=True)
class Closed:
    poll: Poll
    question: PollQuestion
    outcome: Outcome
    item: AgendaItem | None


async def _body(tx: Tx, body_id: int) -> Body:
    body = await tx.session.get(Body, body_id)
    assert body is not None
    return body


def default_question(item: AgendaItem) -> str:
    return f"Thông qua: {item.title}?"


class DocumentsChanged(Conflict):
    title = "The item's documents changed after publication"
    kind = "documents-changed"


async def _changed_documents(tx: Tx, meeting: Meeting, item: AgendaItem) -> list[str]:
    """Titles of the item's documents given a new version after the meeting was published:
    members may be voting on a text other than the one they read."""
    if meeting.published_at is None:
        return []
    rows = (
        await tx.session.exec(
            select(Document.title)
            .join(DocumentVersion, col(DocumentVersion.document_id) == col(Document.id))
            .where(
                Document.item_id == item.id, col(DocumentVersion.uploaded_at) > meeting.published_at
            )
            .order_by(col(Document.id))
        )
    ).all()
    return list(dict.fromkeys(rows))


async def open_vote(
    tx: Tx,
    actor: Actor,
    item_id: int,
    *,
    question: str = "",
    secret: bool = False,
    confirm_changed: bool = False,
    duration: int | None = None,
    options: Sequence[tuple[str, str]] = (),
    rerun_of: Poll | None = None,
    roll_call: bool = False,
) -> Poll:
    """Open a vote on the current item; ``options`` (label, English label) make it a
    "choose one option" vote; ``rerun_of``, an annulled vote it asks again with the same
    choices and texts (actions/annulment.py)."""
    item = await tx.session.get(AgendaItem, item_id)
    if item is None:
        raise NotFound("There is no agenda item with the number %(id)s.", id=item_id)
    meeting = await session.runnable(tx, actor, item.meeting_id, session.Step.OPEN_VOTE)
    if meeting.current_item_id != item.id:
        raise session.SessionRefused("A vote can be opened only on the item being taken.")
    if item.status in session.SETTLED:
        raise session.SessionRefused(
            "This item was already decided (%(status)s).", status=item.status
        )
    body = await _body(tx, meeting.body_id)
    if secret and not body.secret_ballot_allowed:
        raise ValidationFailed("This body does not vote by secret ballot.")
    if secret and roll_call:
        raise ValidationFailed(
            "A secret ballot has no roll-call view: it would show who voted how. "
            "Choose an open ballot for a roll call."
        )
    text = " ".join(question.split()) or default_question(item)
    if len(text) > MAX_QUESTION:
        raise ValidationFailed("A question has at most %(limit)s characters.", limit=MAX_QUESTION)
    offered = vote_options.make_options(options)
    if duration is not None and not MIN_DURATION <= duration <= MAX_DURATION:
        raise ValidationFailed(
            "A timed vote lasts from %(least)s seconds to %(most)s minutes.",
            least=MIN_DURATION,
            most=MAX_DURATION // 60,
        )
    seats = await seats_of(tx.session, meeting)
    # Who declared a conflict of interest on the item is out of its electorate and, by the
    # body's rule, its quorum (actions/recusals.py).
    recused = await recusals.recused_seats(tx.session, item.id or 0)
    quorum = quorum_of(body, seats, recused, item.id)
    if not quorum.met:
        raise session.SessionRefused(
            "There is no quorum: %(present)s of %(members)s members are present and "
            "%(needed)s are needed. The vote was not opened.",
            present=quorum.present,
            members=quorum.members,
            needed=quorum.needed,
        )
    changed = await _changed_documents(tx, meeting, item)
    if changed and not confirm_changed:
        raise DocumentsChanged(
            "Documents of this item changed after the meeting was published: %(titles)s. "
            "Members may not have read the new version. Open the vote anyway only if they "
            "were told (confirm to open).",
            titles="; ".join(changed),
        )
    if changed:
        await audit.record(
            tx.session,
            "vote.opened_after_documents_changed",
            actor_id=actor.person_id,
            body_id=meeting.body_id,
            subject=f"item:{item.id}",
            documents=changed,
        )
    now = utcnow()
    poll = Poll(
        body_id=body.id or 0,
        meeting_id=meeting.id,
        item_id=item.id,
        kind=PollKind.LIVE.value,
        title=item.title[:500],
        secret=secret,
        options=vote_options.choices(body.vote_options, offered)
        if rerun_of is None
        else list(rerun_of.options),
        state=PollState.OPEN.value,
        created_by_id=actor.person_id,
        opened_at=now,
        rules=rules_of(body),
        deadline=None if duration is None else now + timedelta(seconds=duration),
        electorate=len(seats),
        voter_ids=[s.membership.id or 0 for s in seats if s.membership.id not in recused],
        texts=await voted_texts.of_item(tx.session, item.id or 0)
        if rerun_of is None
        else list(rerun_of.texts),
        rerun_of_id=None if rerun_of is None else rerun_of.id,
        roll_call=roll_call,
        item_status_before=item.status,
    )
    tx.session.add(poll)
    await tx.session.flush()
    assert poll.id is not None
    tx.session.add(PollQuestion(poll_id=poll.id, ordinal=1, text=text, options=offered))
    await tx.session.flush()
    opened: dict[str, object] = {
        "poll": poll.id,
        "item": item.id,
        "question": text,
        "options": offered,
        "secret": secret,
        "roll_call": roll_call,
        "present": quorum.present,
        "electorate": len(seats),
        "deadline": None if poll.deadline is None else poll.deadline.isoformat(timespec="seconds"),
    }
    if rerun_of is not None:
        opened["rerun_of"] = rerun_of.id
    # The versions voted on go on the record; the live event stays small (a NOTIFY).
    await audit.record(
        tx.session,
        EventKind.VOTE_OPENED,
        actor_id=actor.person_id,
        body_id=meeting.body_id,
        subject=f"meeting:{meeting.id}",
        **opened,
        texts=poll.texts,
    )
    session.emit(tx, meeting, EventKind.VOTE_OPENED, **opened)
    # Those attending remotely may not be looking at the session: their tablets are told.
    remote = [
        (seat.stand_in or seat.person).id
        for seat in seats
        if seat.checked_in
        and seat.attendance is not None
        and seat.attendance.mode == AttendanceMode.REMOTE.value
    ]
    await notifications.notify(
        tx,
        [r for r in remote if r is not None],
        kind=NoticeKind.VOTE_OPENED,
        body_id=meeting.body_id,
        subject=f"poll:{poll.id}",
        link=f"/meetings/{meeting.id}/live",
        meeting=meeting.title,
        question=text,
        message=N_('A vote is open in "%(meeting)s": %(question)s'),
    )
    return poll


async def question_of(tx: Tx, poll: Poll) -> PollQuestion:
    question = (
        await tx.session.exec(
            select(PollQuestion)
            .where(PollQuestion.poll_id == poll.id)
            .order_by(col(PollQuestion.ordinal))
        )
    ).first()
    assert question is not None
    return question


async def chair_seat_id(tx: Tx, meeting: Meeting) -> int | None:
    """Whose side breaks a tie: the chair of this meeting, else the body's chair."""
    chairs = (
        await tx.session.exec(
            select(Membership.id).where(
                Membership.body_id == meeting.body_id,
                Membership.role == Role.CHAIR.value,
                col(Membership.active),
            )
        )
    ).all()
    return chair_seat(meeting.chair_membership_id, (c for c in chairs if c is not None))


async def current_ballots(tx: Tx, question_id: int) -> list[Ballot]:
    rows = await tx.session.exec(
        select(Ballot).where(
            Ballot.question_id == question_id, col(Ballot.superseded_by_id).is_(None)
        )
    )
    return list(rows.all())


async def close_vote(tx: Tx, actor: Actor, poll_id: int) -> Closed:
    poll = await locked_live_poll(tx, poll_id)
    assert poll.meeting_id is not None
    meeting = await load_meeting(tx.session, poll.meeting_id, lock=True)
    session.ensure_runs(actor, meeting)
    if poll.state != PollState.OPEN.value:
        raise session.SessionRefused("This vote is already %(state)s.", state=poll.state)
    await session.ensure_step(tx, meeting, session.Step.CLOSE_VOTE)
    return await _close(tx, poll, meeting, actor_id=actor.person_id, by="chair")


async def locked_live_poll(tx: Tx, poll_id: int) -> Poll:
    poll = (await tx.session.exec(select(Poll).where(Poll.id == poll_id).with_for_update())).first()
    if poll is None or poll.kind != PollKind.LIVE.value or poll.meeting_id is None:
        raise NotFound("There is no live vote with the number %(id)s.", id=poll_id)
    return poll


async def due_votes(tx: Tx) -> list[int]:
    """Open live votes whose deadline has passed (the sweeper closes them)."""
    rows = await tx.session.exec(
        select(Poll.id).where(
            Poll.kind == PollKind.LIVE.value,
            Poll.state == PollState.OPEN.value,
            col(Poll.deadline).is_not(None),
            col(Poll.deadline) <= utcnow(),
        )
    )
    return [poll_id for poll_id in rows.all() if poll_id is not None]


async def close_if_due(tx: Tx, poll_id: int) -> Closed | None:
    """Close a timed vote whose deadline has passed; None if it is not due or another
    process (or the chair) closed it first. The poll's row lock makes this happen once."""
    poll = await locked_live_poll(tx, poll_id)
    if poll.state != PollState.OPEN.value or poll.deadline is None or utcnow() < poll.deadline:
        return None
    assert poll.meeting_id is not None
    meeting = await load_meeting(tx.session, poll.meeting_id, lock=True)
    return await _close(tx, poll, meeting, actor_id=None, by="deadline")


async def _close(tx: Tx, poll: Poll, meeting: Meeting, *, actor_id: int | None, by: str) -> Closed:
    question = await question_of(tx, poll)
    assert question.id is not None
    ballots = await current_ballots(tx, question.id)
    body = await _body(tx, meeting.body_id)
    recused = await recusals.recused_seats(tx.session, poll.item_id or 0)
    present = quorum_of(body, await seats_of(tx.session, meeting), recused, poll.item_id).present
    outcome = decide_vote(
        poll.kind,
        Rules.from_profile(poll.rules),
        [(b.membership_id, b.choice) for b in ballots],
        electorate=poll.electorate or 0,
        present=present,
        chair=await chair_seat_id(tx, meeting),
        options=vote_options.keys_of(question.options),
    )
    poll.state, poll.closed_at = PollState.CLOSED.value, utcnow()
    question.outcome = {**outcome.as_dict(), "present": present}
    item = await _settle_item(tx, poll, outcome)
    tx.session.add(poll)
    tx.session.add(question)
    closed: dict[str, object] = {
        "poll": poll.id,
        "item": poll.item_id,
        "outcome": question.outcome,
        "by": by,
    }
    await audit.record(
        tx.session,
        EventKind.VOTE_CLOSED,
        actor_id=actor_id,
        body_id=meeting.body_id,
        subject=f"meeting:{meeting.id}",
        **closed,
        receipts=sorted(b.receipt for b in ballots),
    )
    session.emit(
        tx, meeting, EventKind.VOTE_CLOSED, **closed, receipts=sorted(b.receipt for b in ballots)
    )
    return Closed(poll, question, outcome, item)


async def _settle_item(tx: Tx, poll: Poll, outcome: Outcome) -> AgendaItem | None:
    item = None if poll.item_id is None else await tx.session.get(AgendaItem, poll.item_id)
    if item is not None:
        item.status = (ItemStatus.ADOPTED if outcome.passed else ItemStatus.REJECTED).value
        tx.session.add(item)
    return item

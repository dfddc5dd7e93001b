"""Deciding written polls: at the deadline, or as soon as the result cannot change; what
a poll shows (counts so far, the outcome and the rule that decided it); reminders."""

from __future__ import annotations

from sqlmodel import col, select

from .. import audit, vote_options
from ..auth.actor import Actor
from ..auth.permissions import Permission, ensure
from ..db import Tx
from ..errors import Conflict
from ..events import Event, EventKind, PollMoved
from ..i18n import N_
from ..models import Body, Membership, Person, Poll, utcnow
from ..reports import Notice, PollTally, QuestionState
from ..rules import Outcome, Rules, decide_vote, settled_written_poll
from ..vocab import NoticeKind, PollKind, PollState, Role
from . import notifications, polls
from .ballots import current_ballots


async def poll_state(tx: Tx, poll: Poll) -> PollTally:
    """The poll's questions with the current ballot of each member of its electorate."""
    questions = await polls.questions_of(tx, poll.id)
    voter_ids = list(poll.voter_ids)
    voters = (
        list(
            (
                await tx.session.exec(
                    select(Membership)
                    .where(col(Membership.id).in_(voter_ids))
                    .order_by(col(Membership.seat_order), col(Membership.id))
                )
            ).all()
        )
        if voter_ids
        else []
    )
    counted = set(voter_ids)
    by_question = {q.id: QuestionState(q) for q in questions}
    for ballot in await current_ballots(tx, poll.id or 0):
        if ballot.question_id in by_question and (not counted or ballot.membership_id in counted):
            by_question[ballot.question_id].ballots.append(ballot)
    return PollTally(poll, list(by_question.values()), voters)


def decide(state: PollTally, question: QuestionState, *, final: bool) -> Outcome | None:
    """At the deadline (``final``) the outcome; before it, the outcome only if settled."""
    rules = Rules.from_profile(state.poll.rules)
    chair = state.chair
    chair_ballot = question.ballot_of(chair)
    chair_choice = None if chair_ballot is None else chair_ballot.choice
    electorate = state.poll.electorate or len(state.voters)
    options = vote_options.keys_of(question.question.options)
    # A "choose one option" question is decided once everyone answered, or at the deadline.
    if final or (options and len(question.ballots) >= electorate):
        return decide_vote(
            state.poll.kind,
            rules,
            [(b.membership_id, b.choice) for b in question.ballots],
            electorate=electorate,
            present=electorate,
            chair=chair,
            options=options,
        )
    if options:
        return None
    return settled_written_poll(
        rules,
        question.tally,
        electorate=electorate,
        chair_choice=chair_choice,
        chair_has_voted=chair is None or chair_ballot is not None,
    )


async def _close(tx: Tx, state: PollTally, outcomes: dict[int, Outcome], *, early: bool) -> None:
    poll, now = state.poll, utcnow()
    for question in state.questions:
        assert question.question.id is not None
        outcome = outcomes[question.question.id]
        question.question.outcome = {
            **outcome.as_dict(),
            "early": early,
            "decidedAt": now.isoformat(),
        }
        tx.session.add(question.question)
    poll.state, poll.closed_at = polls.ensure_transition(poll, "close").value, now
    tx.session.add(poll)
    await tx.session.flush()
    await audit.record(
        tx.session,
        "poll.decided",
        body_id=poll.body_id,
        subject=f"poll:{poll.id}",
        early=early,
        outcomes={str(q): o.as_dict() for q, o in outcomes.items()},
    )
    assert poll.id is not None
    tx.emit(Event.of(EventKind.POLL_CLOSED, PollMoved(poll.id, poll.state), body_id=poll.body_id))
    await notifications.notify(
        tx,
        [v.person_id for v in state.voters] + await _secretariat(tx, poll.body_id),
        kind="poll.decided",
        body_id=poll.body_id,
        subject=f"poll:{poll.id}",
        link=f"/polls/{poll.id}",
        message=N_('The written poll "%(title)s" is decided.'),
        title=poll.title,
    )


async def _secretariat(tx: Tx, body_id: int) -> list[int]:
    rows = await tx.session.exec(
        select(Membership.person_id).where(
            Membership.body_id == body_id,
            Membership.role == Role.SECRETARIAT.value,
            col(Membership.active),
        )
    )
    return list(rows.all())


def decidable(poll: Poll) -> bool:
    """An open written poll that was sent (its electorate frozen) through polls.send."""
    return (
        poll.kind == PollKind.WRITTEN.value
        and poll.state == PollState.OPEN.value
        and bool(poll.voter_ids)
    )


async def settle_if_decided(tx: Tx, poll_id: int) -> bool:
    """Close a written poll once no remaining answer can change any question's result."""
    poll = await polls.load_poll(tx, poll_id, lock=True)
    if not decidable(poll):
        return False
    state = await poll_state(tx, poll)
    outcomes: dict[int, Outcome] = {}
    for question in state.questions:
        outcome = decide(state, question, final=False)
        if outcome is None:
            return False
        assert question.question.id is not None
        outcomes[question.question.id] = outcome
    await _close(tx, state, outcomes, early=True)
    return True


async def close_if_due(tx: Tx, poll_id: int) -> bool:
    """At the deadline: decide every question by the frozen rules, and close."""
    poll = await polls.load_poll(tx, poll_id, lock=True)
    if not decidable(poll) or poll.deadline is None or utcnow() < poll.deadline:
        return False
    state = await poll_state(tx, poll)
    outcomes = {
        q.question.id: decide(state, q, final=True)
        for q in state.questions
        if q.question.id is not None
    }
    await _close(tx, state, {q: o for q, o in outcomes.items() if o is not None}, early=False)
    return True


async def result(tx: Tx, actor: Actor, poll_id: int) -> PollTally:
    """What the poll shows now. One past its deadline shows as closing (``closing``) until
    the sweeper decides it: reading a poll changes nothing."""
    poll = await polls.visible_poll(tx, actor, poll_id)
    return await poll_state(tx, poll)


async def open_polls(tx: Tx) -> list[Poll]:
    rows = await tx.session.exec(
        select(Poll).where(Poll.kind == PollKind.WRITTEN.value, Poll.state == PollState.OPEN.value)
    )
    return list(rows.all())


async def silent_voters(tx: Tx, poll: Poll) -> list[Membership]:
    """Who has not yet answered every question."""
    state = await poll_state(tx, poll)
    silent: dict[int | None, Membership] = {}
    for question in state.questions:
        silent.update({m.id: m for m in state.silent_on(question)})
    return [v for v in state.voters if v.id in silent]


async def remind(tx: Tx, actor: Actor | None, poll: Poll, *, leads: list[int] | None) -> int:
    """Remind the members who have not answered (and their assistants): now, or at the
    ``leads`` (hours before the deadline) for the sweeper."""
    if poll.state != PollState.OPEN.value:
        raise Conflict("Only an open poll has members to remind.")
    people = await notifications.with_assistants(tx, await silent_voters(tx, poll))
    deadline = poll.deadline.strftime("%Y-%m-%d %H:%M UTC") if poll.deadline else ""
    assert poll.deadline is not None
    sent = await notifications.remind(
        tx,
        people,
        kind=NoticeKind.POLL_REMINDER,
        body_id=poll.body_id,
        subject=f"poll:{poll.id}",
        leads=leads,
        due_at=poll.deadline,
        link=f"/polls/{poll.id}",
        title=poll.title,
        deadline=deadline,
        message=N_('Reminder: the written poll "%(title)s" awaits your answer by %(deadline)s.'),
    )
    if sent or actor is not None:  # a sweep that reminded nobody is not news
        await audit.record(
            tx.session,
            "poll.reminded",
            actor_id=None if actor is None else actor.person_id,
            body_id=poll.body_id,
            subject=f"poll:{poll.id}",
            people=[n.person_id for n in sent],
            automatic=actor is None,
        )
    return len(sent)


async def remind_now(tx: Tx, actor: Actor, poll_id: int) -> int:
    poll = await polls.visible_poll(tx, actor, poll_id)
    ensure(actor, Permission.PREPARE_MEETINGS, poll.body_id)
    return await remind(tx, actor, poll, leads=None)


async def remind_due(tx: Tx, leads: list[int]) -> int:
    """The sweeper's reminders: once per poll, person and lead time before the deadline."""
    sent = 0
    now = utcnow()
    for poll in await open_polls(tx):
        if poll.deadline is not None and now < poll.deadline:
            sent += await remind(tx, None, poll, leads=leads)
    return sent


async def notice(tx: Tx, actor: Actor, poll_id: int) -> Notice:
    state = await result(tx, actor, poll_id)
    if state.poll.state != PollState.CLOSED.value:
        raise Conflict("The result notice exists once the poll is decided.")
    body = await tx.session.get(Body, state.poll.body_id)
    assert body is not None
    ids = [v.person_id for v in state.voters]
    people = (
        {
            p.id: p
            for p in (await tx.session.exec(select(Person).where(col(Person.id).in_(ids)))).all()
            if p.id is not None
        }
        if ids
        else {}
    )
    await audit.record(
        tx.session,
        "poll.notice_made",
        actor_id=actor.person_id,
        body_id=body.id,
        subject=f"poll:{poll_id}",
    )
    return Notice(body, state, people)

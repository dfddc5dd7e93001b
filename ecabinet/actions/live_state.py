"""The state of a live session as the tablets and the room display show it.

``snapshot`` is the same for everyone entitled to watch the meeting, so the server can
serialise it once for all of them; ``personal`` adds what only the viewer sees (their own
attendance and ballot). A secret ballot appears as counts only, here and everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from .. import vote_options
from ..auth.actor import Actor
from ..i18n import LOCALES, gettext_for
from ..models import (
    AgendaItem,
    Ballot,
    Body,
    Meeting,
    Membership,
    Person,
    Poll,
    PollQuestion,
    Recusal,
    SpeakerRequest,
    utcnow,
)
from ..outcomes import describe
from ..rules import Outcome
from ..speaking import Waiting, queue, seconds_between
from ..vocab import MeetingState, PollKind, PollState, SpeechKind, SpeechState
from . import presenting, recusals, seat_view
from .access import load_meeting, meeting_access
from .attendance import VOTING_ROLES, Quorum, Seat, quorum_of, seats_of
from .session import Phase, may_run


def _at(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds")


def outcome_from(data: dict[str, Any]) -> Outcome:
    return Outcome.from_dict(data)


def sentences(outcome: Outcome, options: Sequence[dict[str, str]] = ()) -> dict[str, str]:
    """The sentence that says which rule decided, in each language (the same message
    goes to every tablet, whatever its language), naming an option vote's options."""
    return {
        locale: describe(
            outcome,
            gettext_for(locale),
            {str(o["key"]): vote_options.label_of(o, locale) for o in options},
        )
        for locale in LOCALES
    }


async def live_polls(db: AsyncSession, meeting_id: int) -> list[tuple[Poll, PollQuestion]]:
    rows = await db.exec(
        select(Poll, PollQuestion)
        .join(PollQuestion, col(PollQuestion.poll_id) == Poll.id)
        .where(Poll.meeting_id == meeting_id, Poll.kind == PollKind.LIVE.value)
        .order_by(col(Poll.id))
    )
    return [(poll, question) for poll, question in rows.all()]


async def ballot_count(db: AsyncSession, question_id: int) -> int:
    count = (
        await db.exec(
            select(func.count())
            .select_from(Ballot)
            .where(Ballot.question_id == question_id, col(Ballot.superseded_by_id).is_(None))
        )
    ).one()
    return int(count)


def _item(item: AgendaItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "ordinal": item.ordinal,
        "title": item.title,
        "title_en": item.title_en,
        "kind": item.kind,
        "status": item.status,
        "conclusion": item.conclusion,
    }


def _seat(seat: Seat, body: Body, item_id: int | None) -> dict[str, Any]:
    row = seat.attendance
    return {
        "seat": seat.membership.id,
        "name": seat.person.full_name,
        "title": seat.membership.title,
        "role": seat.membership.role,
        "checked_in": seat.checked_in,
        "present": seat.present(body, item_id),
        "away": seat.away,
        "mode": None if row is None or not seat.checked_in else row.mode,
        "stand_in": None if seat.stand_in is None else seat.stand_in.full_name,
    }


def _phase(meeting: Meeting, open_poll: Poll | None) -> Phase:
    if meeting.state != MeetingState.IN_SESSION.value:
        return {
            MeetingState.DRAFT.value: Phase.DRAFT,
            MeetingState.PUBLISHED.value: Phase.PUBLISHED,
        }.get(meeting.state, Phase.CLOSED)
    if open_poll is not None:
        return Phase.VOTING
    return Phase.OPEN if meeting.current_item_id is None else Phase.ITEM


async def _roll_call(
    db: AsyncSession, poll: Poll, question: PollQuestion, seats: Sequence[Seat]
) -> list[dict[str, Any]] | None:
    """Who of the vote's electorate has voted, and how, in seat order: an open vote's
    roll-call view (never a secret one's)."""
    if not poll.roll_call or poll.secret:
        return None
    rows = await db.exec(
        select(Ballot.membership_id, Ballot.choice).where(
            Ballot.question_id == question.id, col(Ballot.superseded_by_id).is_(None)
        )
    )
    choices = dict(rows.all())
    voters = set(poll.voter_ids)
    return [
        {
            "seat": seat.membership.id,
            "name": seat.person.full_name,
            "choice": choices.get(seat.membership.id or 0),
        }
        for seat in seats
        if not voters or seat.membership.id in voters
    ]


async def _open_poll(
    db: AsyncSession,
    poll: Poll,
    question: PollQuestion,
    quorum: Quorum,
    seats: Sequence[Seat] = (),
) -> dict[str, Any]:
    assert question.id is not None
    return {
        "roll_call": await _roll_call(db, poll, question, seats),
        "id": poll.id,
        "question_id": question.id,
        "item": poll.item_id,
        "question": question.text,
        "secret": poll.secret,
        "options": poll.options,
        # A "choose one option" question's options with their labels (else empty).
        "question_options": question.options,
        "cast": await ballot_count(db, question.id),
        "electorate": poll.electorate,
        "present": quorum.present,
        "opened_at": _at(poll.opened_at),
        "rerun_of": poll.rerun_of_id,
        # A timed vote: its deadline, and the seconds left when this state was made
        # (the screens count down from there, whatever their own clock says).
        "deadline": _at(poll.deadline),
        "left": None if poll.deadline is None else seconds_between(utcnow(), poll.deadline),
        "texts": [
            {"title": t["title"], "version": t["version"], "sha256": t["sha256"]}
            for t in poll.texts
        ],
    }


async def _result(
    db: AsyncSession, poll: Poll, question: PollQuestion, seats: Sequence[Seat]
) -> dict[str, Any]:
    assert question.outcome is not None and question.id is not None
    outcome = outcome_from(question.outcome)
    by_choice: dict[str, list[str]] | None = None
    if not poll.secret:
        rows = await db.exec(
            select(Ballot.membership_id, Ballot.choice).where(
                Ballot.question_id == question.id, col(Ballot.superseded_by_id).is_(None)
            )
        )
        choices = dict(rows.all())
        by_choice = {option: [] for option in poll.options}
        for seat in seats:  # in seat order, as the minutes list them
            choice = choices.get(seat.membership.id or 0)
            if choice is not None:
                by_choice.setdefault(choice, []).append(seat.person.full_name)
    return {
        "poll": poll.id,
        "item": poll.item_id,
        "question": question.text,
        "question_options": question.options,
        "secret": poll.secret,
        "outcome": question.outcome,
        "passed": outcome.passed,
        "rule": outcome.rule,
        "sentence": sentences(outcome, question.options),
        "by_choice": by_choice,
        "closed_at": _at(poll.closed_at),
    }


async def speakers(db: AsyncSession, item: AgendaItem | None) -> dict[str, Any] | None:
    """The list of speakers of the item being taken: who has the floor (with the seconds
    already spoken when this state was read, so every screen counts down alike), who
    waits in order, and who spoke."""
    if item is None or item.id is None:
        return None
    rows = (
        await db.exec(
            select(SpeakerRequest, Person)
            .join(Membership, col(Membership.id) == SpeakerRequest.membership_id)
            .join(Person, col(Person.id) == Membership.person_id)
            .where(SpeakerRequest.item_id == item.id)
            .order_by(col(SpeakerRequest.id))
        )
    ).all()
    now = utcnow()
    names = {request.id: person.full_name for request, person in rows}
    current = next((r for r, _ in rows if r.state == SpeechState.SPEAKING.value), None)
    waiting = queue(
        [
            Waiting(r.id or 0, SpeechKind(r.kind), r.place)
            for r, _ in rows
            if r.state == SpeechState.WAITING.value
        ]
    )
    by_id = {r.id: r for r, _ in rows}
    spoke = sorted(
        (
            r
            for r, _ in rows
            if r.state == SpeechState.SPOKE.value
            and r.started_at is not None
            and r.ended_at is not None
        ),
        key=lambda r: (r.started_at, r.id),
    )
    return {
        "item": item.id,
        "closed": item.speakers_closed_at is not None,
        "current": None
        if current is None or current.started_at is None
        else {
            "id": current.id,
            "seat": current.membership_id,
            "name": names[current.id],
            "kind": current.kind,
            "limit": current.limit_seconds,
            "started_at": _at(current.started_at),
            "elapsed": seconds_between(current.started_at, now),
        },
        "queue": [
            {
                "id": w.id,
                "seat": by_id[w.id].membership_id,
                "name": names[w.id],
                "kind": w.kind.value,
                "place": n,
            }
            for n, w in enumerate(waiting, start=1)
        ],
        "spoke": [
            {
                "id": r.id,
                "name": names[r.id],
                "kind": r.kind,
                "seconds": seconds_between(r.started_at, r.ended_at),
            }
            for r in spoke
            if r.started_at is not None and r.ended_at is not None
        ],
    }


async def _annulled(
    db: AsyncSession, polls: Sequence[tuple[Poll, PollQuestion]]
) -> list[dict[str, Any]]:
    """The votes the chair annulled, with the reason every screen shows, and the re-run
    that asked again (if any)."""
    annulled = [(p, q) for p, q in polls if p.state == PollState.ANNULLED.value]
    if not annulled:
        return []
    people = {p.annulled_by_id for p, _ in annulled if p.annulled_by_id is not None}
    names = dict(
        (await db.exec(select(Person.id, Person.full_name).where(col(Person.id).in_(people)))).all()
    )
    reruns = {p.rerun_of_id: p.id for p, _ in polls if p.rerun_of_id is not None}
    return [
        {
            "poll": poll.id,
            "item": poll.item_id,
            "question": question.text,
            "reason": poll.annul_reason,
            "annulled_at": _at(poll.annulled_at),
            "by": names.get(poll.annulled_by_id or 0, ""),
            "rerun": reruns.get(poll.id or 0),
        }
        for poll, question in annulled
    ]


def _recusals(declared: Sequence[Recusal], seats: Sequence[Seat]) -> list[dict[str, Any]]:
    """Who declared a conflict of interest on the current item, and why (said in the room
    and recorded in the minutes)."""
    names = {seat.membership.id: seat.person.full_name for seat in seats}
    return [
        {
            "id": r.id,
            "seat": r.membership_id,
            "name": names.get(r.membership_id, ""),
            "reason": r.reason,
        }
        for r in declared
    ]


async def snapshot(
    db: AsyncSession, meeting: Meeting, *, attendance: bool = True
) -> dict[str, Any]:
    """The live state; without ``attendance`` the list of members is left out (the quorum
    counts stay), for a change that did not touch who is present."""
    assert meeting.id is not None
    body = await db.get(Body, meeting.body_id)
    assert body is not None
    items = list(
        (
            await db.exec(
                select(AgendaItem)
                .where(AgendaItem.meeting_id == meeting.id)
                .order_by(col(AgendaItem.ordinal), col(AgendaItem.id))
            )
        ).all()
    )
    seats = await seats_of(db, meeting)
    current = next((i for i in items if i.id == meeting.current_item_id), None)
    declared = (
        [] if current is None or current.id is None else await recusals.of_item(db, current.id)
    )
    # The quorum shown is the current item's: without those who declared a conflict of
    # interest on it, unless the body counts them.
    quorum = quorum_of(body, seats, [r.membership_id for r in declared], meeting.current_item_id)
    polls = await live_polls(db, meeting.id)
    open_poll = next(((p, q) for p, q in polls if p.state == PollState.OPEN.value), None)
    results = [
        await _result(db, p, q, seats)
        for p, q in polls
        if p.state == PollState.CLOSED.value and q.outcome is not None
    ]
    state: dict[str, Any] = {
        "meeting": {
            "id": meeting.id,
            "body": meeting.body_id,
            "title": meeting.title,
            "number": meeting.number,
            "state": meeting.state,
            "opened_at": _at(meeting.opened_at),
            "closed_at": _at(meeting.closed_at),
        },
        "seq": meeting.event_seq,
        "phase": _phase(meeting, None if open_poll is None else open_poll[0]).value,
        "current_item": meeting.current_item_id,
        "consent_adopted_at": _at(meeting.consent_adopted_at),
        "agenda": [_item(item) for item in items],
        "quorum": quorum.as_dict(),
        "attendance": [_seat(seat, body, meeting.current_item_id) for seat in seats],
        "poll": None if open_poll is None else await _open_poll(db, *open_poll, quorum, seats),
        "results": results,
        "annulled": await _annulled(db, polls),
        "speakers": await speakers(db, current),
        "recusals": _recusals(declared, seats),
        "presenting": presenting.as_state(
            await presenting.shown(db, meeting), meeting.presented_follow
        ),
        "secret_ballot_allowed": body.secret_ballot_allowed,
        "options": body.vote_options,
    }
    if not attendance:
        del state["attendance"]
    return state


async def personal(
    db: AsyncSession, meeting: Meeting, actor: Actor, state: dict[str, Any]
) -> dict[str, Any]:
    """What only the viewer sees: may they run the session, vote, and their own ballot."""
    seat = actor.seat(meeting.body_id)
    counted_seat = None if seat is None else (seat.stand_in_for_id or seat.id)
    me: dict[str, Any] = {
        "person": actor.person_id,
        "seat": counted_seat,
        "role": None if seat is None else seat.role,
        "stand_in": seat is not None and seat.stand_in_for_id is not None,
        "may_run": may_run(actor, meeting),
        "ballot": None,
        # The seat a request to speak is made from (a stand-in's own).
        "speaks_as": None if seat is None or seat.role not in VOTING_ROLES else seat.id,
    }
    line = next((a for a in state["attendance"] if a["seat"] == counted_seat), None)
    me["checked_in"] = bool(line and line["checked_in"])
    me["may_check_in"] = seat is not None and (line is not None or seat.stand_in_for_id is not None)
    poll = state["poll"]
    if poll is not None and counted_seat is not None:
        ballot = (
            await db.exec(
                select(Ballot).where(
                    Ballot.question_id == poll["question_id"],
                    Ballot.membership_id == counted_seat,
                    col(Ballot.superseded_by_id).is_(None),
                )
            )
        ).first()
        if ballot is not None:
            me["ballot"] = {
                "receipt": ballot.receipt,
                "cast_at": _at(ballot.cast_at),
                "choice": None if poll["secret"] else ballot.choice,
            }
    return me


async def view(db: AsyncSession, actor: Actor, meeting_id: int) -> dict[str, Any]:
    """The snapshot a tablet fetches on opening, after a gap and after reconnecting."""
    meeting = await load_meeting(db, meeting_id)
    access = await meeting_access(db, actor, meeting)
    state = seat_view.live_state_for(await snapshot(db, meeting), access.view)
    return {**state, "me": await personal(db, meeting, actor, state)}

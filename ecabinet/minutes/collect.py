"""Read everything the minutes of one meeting say from the database, once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from .. import vote_options
from ..audit import GENESIS
from ..ballots.electorate import entitled_voters
from ..errors import Conflict, NotFound
from ..models import (
    AgendaItem,
    Attendance,
    AuditEvent,
    AuditHead,
    Ballot,
    Body,
    FollowUpTask,
    ItemGuest,
    Meeting,
    Membership,
    Person,
    Poll,
    PollQuestion,
    Position,
    Recusal,
    SpeakerRequest,
    rules_of,
)
from ..rules import Rules, chair_seat, quorum_needed
from ..settings import Settings
from ..speaking import seconds_between
from ..vocab import (
    AttendanceMode,
    ItemStatus,
    PollKind,
    PollState,
    Role,
    SpeechState,
    TaskState,
    ThresholdBase,
)
from .record import (
    Annulment,
    AuditHeadAt,
    BallotRecord,
    ItemRecord,
    MinutesRecord,
    PositionLine,
    Presence,
    Quorum,
    Seat,
    SpeechLine,
    TaskLine,
    VoteRecord,
)

PRESENT_MODES = (AttendanceMode.ROOM.value, AttendanceMode.REMOTE.value)
NO_POSITION = "none"
CONSENT_ADOPTED = "session.consent_adopted"  # the audit event of ecabinet.actions.session
CLOSED = "meeting.closed"  # the audit event of ecabinet.actions.meetings.close


async def collect(
    db: AsyncSession,
    settings: Settings,
    meeting_id: int,
    *,
    secretary_membership_id: int | None = None,
) -> MinutesRecord:
    meeting = await db.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("There is no meeting with the number %(id)s.", id=meeting_id)
    body = await db.get(Body, meeting.body_id)
    assert body is not None and meeting.id is not None and body.id is not None
    seats = await _seats(db, body.id)
    voters = [seats[m.id] for m in await entitled_voters(db, body.id) if m.id]
    attendance = list(
        (await db.exec(select(Attendance).where(Attendance.meeting_id == meeting.id))).all()
    )
    rules = Rules.from_profile(rules_of(body))
    chair = _chair(meeting, seats)
    context = _Context(db, seats, voters, attendance, chair, body)
    items = list(
        (
            await db.exec(
                select(AgendaItem)
                .where(AgendaItem.meeting_id == meeting.id)
                .order_by(col(AgendaItem.ordinal))
            )
        ).all()
    )
    records = [await _item(context, item, meeting) for item in items]
    consent = await _consent_ids(db, meeting.id) | {
        r.id for r in records if r.status == ItemStatus.CONSENT.value
    }
    present_at_opening = _present(
        voters, attendance, meeting.opened_at, stand_ins_count=body.stand_in_may_vote
    )
    needed = quorum_needed(rules, len(voters))
    reached_at, present_then = _quorum_reached(
        voters, attendance, meeting, needed, stand_ins_count=body.stand_in_may_vote
    )
    return MinutesRecord(
        origin=settings.origin,
        rp_id=settings.rp_id,
        time_zone=_time_zone(settings),
        body_id=body.id,
        body_name=body.name,
        body_name_en=body.name_en,
        body_short_name=body.short_name or body.name,
        meeting_id=meeting.id,
        number=meeting.number,
        title=meeting.title,
        kind=meeting.kind,
        form=meeting.form,
        place=meeting.place,
        starts_at=meeting.starts_at,
        opened_at=meeting.opened_at,
        closed_at=meeting.closed_at,
        chair=chair,
        secretary=_secretary(seats, secretary_membership_id),
        voters=tuple(voters),
        attendance=tuple(
            _presences(voters, attendance, seats, {i.id: i.ordinal for i in items if i.id})
        ),
        invitees=tuple(_invitees(voters, attendance, seats)),
        quorum=Quorum(
            len(voters),
            present_at_opening,
            needed,
            reached_at,
            present_then,
            _present(voters, attendance, None, stand_ins_count=body.stand_in_may_vote),
        ),
        consent_adopted_at=meeting.consent_adopted_at,
        consent_items=tuple(r for r in records if r.id in consent),
        debated_items=tuple(r for r in records if r.id not in consent),
        written_votes=tuple(await _written_votes(context, meeting)),
        audit_head=await _audit_head(db, meeting),
        issuing_place=settings.minutes_place,
    )


async def _consent_ids(db: AsyncSession, meeting_id: int) -> set[int]:
    """The items the session adopted as its consent block (their status is then "adopted",
    so the session's audit event says which they were)."""
    rows = await db.exec(
        select(AuditEvent.data).where(
            AuditEvent.kind == CONSENT_ADOPTED, AuditEvent.subject == f"meeting:{meeting_id}"
        )
    )
    return {int(i) for data in rows.all() for i in data.get("items", [])}


def _time_zone(settings: Settings) -> str:
    return str(getattr(settings, "time_zone", "Asia/Ho_Chi_Minh"))


class _Context:
    """What every item and vote of one meeting is read against."""

    def __init__(
        self,
        db: AsyncSession,
        seats: dict[int, Seat],
        voters: list[Seat],
        attendance: list[Attendance],
        chair: Seat | None,
        body: Body,
    ) -> None:
        self.session = db
        self.seats = seats
        self.voters = voters
        self.attendance = attendance
        self.chair = chair
        self.body = body


async def _seats(db: AsyncSession, body_id: int) -> dict[int, Seat]:
    rows = await db.exec(
        select(Membership, Person)
        .join(Person, col(Person.id) == Membership.person_id)
        .where(Membership.body_id == body_id)
    )
    return {
        m.id: Seat(m.id, p.full_name, m.title, m.title_en, m.role)
        for m, p in rows.all()
        if m.id is not None
    }


def _chair(meeting: Meeting, seats: dict[int, Seat]) -> Seat | None:
    return _seat_of_chair(
        meeting.chair_membership_id if meeting.chair_membership_id in seats else None,
        seats.values(),
    )


def _seat_of_chair(meeting_chair: int | None, seats: Iterable[Seat]) -> Seat | None:
    """rules.chair_seat, as every vote finds its chair."""
    seats = list(seats)
    found = chair_seat(
        meeting_chair, (s.membership_id for s in seats if s.role == Role.CHAIR.value)
    )
    return next((s for s in seats if s.membership_id == found), None)


def _secretary(seats: dict[int, Seat], membership_id: int | None) -> Seat | None:
    if membership_id in seats:
        return seats[membership_id]
    return next((s for s in seats.values() if s.role == Role.SECRETARIAT.value), None)


def _stand_ins(attendance: Iterable[Attendance], seats: dict[int, Seat]) -> dict[int, Seat]:
    """Member seat -> the deputy who attended in that member's place."""
    return {
        row.membership_id: seats[row.stand_in_membership_id]
        for row in attendance
        if row.stand_in_membership_id in seats and row.mode != AttendanceMode.ABSENT.value
    }


def _was_present(row: Attendance, moment: datetime | None) -> bool:
    if row.mode not in PRESENT_MODES or row.checked_in_at is None:
        return False
    if moment is None:
        return True
    arrived = row.checked_in_at <= moment
    return arrived and (row.left_at is None or row.left_at > moment)


def _present(
    voters: Sequence[Seat],
    attendance: Iterable[Attendance],
    moment: datetime | None,
    *,
    stand_ins_count: bool,
) -> int:
    """Voting members present in person at ``moment``; a stand-in counts only when the
    body lets stand-ins vote."""
    ids = {s.membership_id for s in voters}
    present = 0
    for row in attendance:
        if row.membership_id not in ids or not _was_present(row, moment):
            continue
        if row.stand_in_membership_id is None or stand_ins_count:
            present += 1
    return present


def _quorum_reached(
    voters: Sequence[Seat],
    attendance: Sequence[Attendance],
    meeting: Meeting,
    needed: int,
    *,
    stand_ins_count: bool,
) -> tuple[datetime | None, int]:
    """The first moment from the opening on when the quorum was present, and the count
    then: at the opening itself, or at the check-in that completed it."""
    if meeting.opened_at is None:
        return None, 0
    arrivals = sorted(
        row.checked_in_at
        for row in attendance
        if row.checked_in_at is not None
        and row.checked_in_at > meeting.opened_at
        and (meeting.closed_at is None or row.checked_in_at <= meeting.closed_at)
    )
    moments = [meeting.opened_at, *arrivals]
    for moment in moments:
        present = _present(voters, attendance, moment, stand_ins_count=stand_ins_count)
        if needed > 0 and present >= needed:
            return moment, present
    return None, 0


def _presences(
    voters: Sequence[Seat],
    attendance: Iterable[Attendance],
    seats: dict[int, Seat],
    ordinals: dict[int, int],
) -> list[Presence]:
    rows = {row.membership_id: row for row in attendance}
    stand_ins = _stand_ins(attendance, seats)
    presences = []
    for seat in voters:
        row = rows.get(seat.membership_id)
        if row is None:
            presences.append(Presence(seat, AttendanceMode.ABSENT.value, recorded=False))
            continue
        mode = row.mode
        if seat.membership_id in stand_ins:
            mode = AttendanceMode.ABSENT.value  # the member is away; the deputy attends
        presences.append(
            Presence(
                seat,
                mode,
                row.absence_reason,
                stand_ins.get(seat.membership_id),
                stand_in_items=tuple(
                    sorted(ordinals[i] for i in row.stand_in_items if i in ordinals)
                )
                if seat.membership_id in stand_ins
                else (),
            )
        )
    return presences


def _invitees(
    voters: Sequence[Seat], attendance: Iterable[Attendance], seats: dict[int, Seat]
) -> list[Presence]:
    """Non-voting attendees (observers, invited heads of bodies), not the stand-ins."""
    voter_ids = {s.membership_id for s in voters}
    stand_in_ids = {s.membership_id for s in _stand_ins(attendance, seats).values()}
    return [
        Presence(seats[row.membership_id], row.mode)
        for row in attendance
        if row.membership_id in seats
        and row.membership_id not in voter_ids
        and row.membership_id not in stand_in_ids
        and row.mode in PRESENT_MODES
        and seats[row.membership_id].role != Role.SECRETARIAT.value
    ]


async def _item(context: _Context, item: AgendaItem, meeting: Meeting) -> ItemRecord:
    assert item.id is not None
    positions = list(
        (await context.session.exec(select(Position).where(Position.item_id == item.id))).all()
    )
    guests = (
        await context.session.exec(
            select(ItemGuest).where(ItemGuest.item_id == item.id).order_by(col(ItemGuest.id))
        )
    ).all()
    polls = (
        await context.session.exec(
            select(Poll)
            .where(
                Poll.item_id == item.id,
                Poll.kind == PollKind.LIVE.value,
                # An annulled vote stays in the minutes, before the vote that re-ran it.
                col(Poll.state).in_((PollState.CLOSED.value, PollState.ANNULLED.value)),
            )
            .order_by(col(Poll.opened_at), col(Poll.id))
        )
    ).all()
    votes = [vote for poll in polls for vote in await _votes(context, poll, meeting)]
    tasks = (
        await context.session.exec(
            select(FollowUpTask)
            .where(FollowUpTask.item_id == item.id, FollowUpTask.state != TaskState.CANCELLED.value)
            .order_by(col(FollowUpTask.id))
        )
    ).all()
    return ItemRecord(
        id=item.id,
        ordinal=item.ordinal,
        title=item.title,
        title_en=item.title_en,
        presenter=item.presenter,
        kind=item.kind,
        status=item.status,
        status_reason=item.status_reason,
        discussion_notes=item.discussion_notes,
        conclusion=item.conclusion,
        stance_counts=_stance_counts(context.voters, positions),
        positions=tuple(_position_lines(context, positions)),
        votes=tuple(votes),
        guests=tuple((g.name, g.affiliation) for g in guests),
        tasks=tuple(TaskLine(t.id or 0, t.agency, t.text, t.deadline) for t in tasks),
        speeches=tuple(await _speeches(context, item.id)),
        recusals=tuple(await _recusals(context, item.id)),
    )


async def _recusals(context: _Context, item_id: int) -> list[tuple[Seat, str]]:
    rows = (
        await context.session.exec(
            select(Recusal)
            .where(Recusal.item_id == item_id, col(Recusal.withdrawn_at).is_(None))
            .order_by(col(Recusal.declared_at), col(Recusal.id))
        )
    ).all()
    return [
        (context.seats[r.membership_id], r.reason) for r in rows if r.membership_id in context.seats
    ]


async def _speeches(context: _Context, item_id: int) -> list[SpeechLine]:
    """Who spoke on the item, in the order they had the floor, and for how long."""
    rows = (
        await context.session.exec(
            select(SpeakerRequest)
            .where(
                SpeakerRequest.item_id == item_id,
                SpeakerRequest.state == SpeechState.SPOKE.value,
            )
            .order_by(col(SpeakerRequest.started_at), col(SpeakerRequest.id))
        )
    ).all()
    return [
        SpeechLine(
            context.seats[r.membership_id],
            r.kind,
            r.started_at,
            seconds_between(r.started_at, r.ended_at),
        )
        for r in rows
        if r.membership_id in context.seats and r.started_at is not None and r.ended_at is not None
    ]


def _stance_counts(voters: Sequence[Seat], positions: Iterable[Position]) -> dict[str, int]:
    by_seat = {p.membership_id: p.stance for p in positions if p.submitted_at is not None}
    return dict(Counter(by_seat.get(s.membership_id, NO_POSITION) for s in voters))


def _position_lines(context: _Context, positions: Iterable[Position]) -> list[PositionLine]:
    """The positions that say something beyond plain agreement, in seat order."""
    order = {s.membership_id: n for n, s in enumerate(context.voters)}
    lines = [
        PositionLine(context.seats[p.membership_id], p.stance, p.text.strip())
        for p in positions
        if p.submitted_at is not None and p.text.strip() and p.membership_id in context.seats
    ]
    return sorted(lines, key=lambda line: order.get(line.seat.membership_id, len(order)))


async def _votes(context: _Context, poll: Poll, meeting: Meeting | None) -> list[VoteRecord]:
    assert poll.id is not None
    questions = (
        await context.session.exec(
            select(PollQuestion)
            .where(PollQuestion.poll_id == poll.id)
            .order_by(col(PollQuestion.ordinal))
        )
    ).all()
    ballots = (
        await context.session.exec(
            select(Ballot).where(Ballot.poll_id == poll.id, col(Ballot.superseded_by_id).is_(None))
        )
    ).all()
    profile = poll.rules or rules_of(context.body)
    chair = context.chair if meeting is not None else _chair_of_body(context)
    votes = []
    for question in questions:
        assert question.id is not None
        own = [b for b in ballots if b.question_id == question.id]
        voters = _roll(context.voters, own)
        electorate = poll.electorate or len(context.voters)
        present = _vote_present(context, poll, question, profile)
        at_opening = (
            None
            if poll.kind == PollKind.WRITTEN.value
            else _present(
                context.voters,
                context.attendance,
                poll.opened_at,
                stand_ins_count=bool(profile.get("stand_in_may_vote")),
            )
        )
        annulled = await _annulment(context, poll)
        if not question.outcome and annulled is None:
            # What was decided is what the vote stored when it closed; the minutes never
            # work out an outcome of their own.
            raise Conflict(
                'The vote "%(title)s" is closed but no outcome was stored for '
                "it; the minutes cannot record it.",
                title=poll.title,
            )
        outcome = question.outcome or {}
        votes.append(
            VoteRecord(
                poll_id=poll.id,
                question_id=question.id,
                kind=poll.kind,
                title=poll.title,
                question=question.text,
                options=tuple(vote_options.choices(poll.options, question.options)),
                labels=tuple(question.options),
                secret=poll.secret,
                rules=profile,
                electorate=electorate,
                present=present,
                chair_membership_id=None if chair is None else chair.membership_id,
                outcome=outcome,
                ballots=tuple(_ballot_records(own, voters)),
                voters=tuple(voters),
                item_id=poll.item_id,
                closed_at=poll.closed_at,
                opened_at=poll.opened_at,
                present_at_opening=at_opening,
                deadline=poll.deadline,
                texts=tuple(poll.texts),
                annulled=annulled,
                rerun_of=poll.rerun_of_id,
            )
        )
    return votes


async def _annulment(context: _Context, poll: Poll) -> Annulment | None:
    if poll.state != PollState.ANNULLED.value:
        return None
    person = (
        None
        if poll.annulled_by_id is None
        else await context.session.get(Person, poll.annulled_by_id)
    )
    return Annulment(
        poll.annulled_at, "" if person is None else person.full_name, poll.annul_reason
    )


def _chair_of_body(context: _Context) -> Seat | None:
    return _seat_of_chair(None, context.voters)


def _roll(voters: Sequence[Seat], ballots: Iterable[Ballot]) -> list[int]:
    """The entitled seats, then anyone else who cast a ballot (a stand-in who may vote)."""
    roll = [s.membership_id for s in voters]
    roll += sorted({b.membership_id for b in ballots} - set(roll))
    return roll


def _vote_present(
    context: _Context, poll: Poll, question: PollQuestion, profile: dict[str, Any]
) -> int:
    if poll.kind == PollKind.WRITTEN.value:
        return poll.electorate or len(context.voters)
    recorded = question.outcome or {}
    if "present" in recorded:  # what the session counted when it closed the vote
        return int(recorded["present"])
    if profile.get("pass_base") == ThresholdBase.PRESENT.value and "base" in recorded:
        return int(recorded["base"])
    return _present(
        context.voters,
        context.attendance,
        poll.closed_at,
        stand_ins_count=bool(profile.get("stand_in_may_vote")),
    )


def _ballot_records(ballots: Iterable[Ballot], roll: Sequence[int]) -> list[BallotRecord]:
    order = {membership_id: n for n, membership_id in enumerate(roll)}
    records = [
        BallotRecord(
            membership_id=b.membership_id,
            choice=b.choice,
            receipt=b.receipt,
            payload=b.payload,
            authenticator_data=b.authenticator_data,
            client_data_json=b.client_data_json,
            signature=b.signature,
            public_key_spki_pem=b.public_key_spki_pem,
        )
        for b in ballots
    ]
    return sorted(records, key=lambda r: (order.get(r.membership_id, len(order)), r.receipt))


async def _written_votes(context: _Context, meeting: Meeting) -> list[VoteRecord]:
    """Written polls of the body decided between the previous session and this one."""
    until = meeting.closed_at or meeting.starts_at
    previous = (
        await context.session.exec(
            select(Meeting.closed_at)
            .where(
                Meeting.body_id == meeting.body_id,
                Meeting.id != meeting.id,
                col(Meeting.closed_at).is_not(None),
                col(Meeting.closed_at) < until,
            )
            .order_by(col(Meeting.closed_at).desc())
        )
    ).first()
    query = select(Poll).where(
        Poll.body_id == meeting.body_id,
        Poll.kind == PollKind.WRITTEN.value,
        Poll.state == PollState.CLOSED.value,
        col(Poll.closed_at) <= until,
    )
    if previous is not None:
        query = query.where(col(Poll.closed_at) > previous)
    polls = (await context.session.exec(query.order_by(col(Poll.closed_at)))).all()
    return [vote for poll in polls for vote in await _votes(context, poll, None)]


async def _audit_head(db: AsyncSession, meeting: Meeting) -> AuditHeadAt:
    """The head of the audit chain when the session closed: the event that closed it (the
    current head, if it has not closed)."""
    if meeting.closed_at is None:
        head = (await db.exec(select(AuditHead).where(AuditHead.id == 1))).first()
        return (
            AuditHeadAt(0, GENESIS, None)
            if head is None
            else AuditHeadAt(head.seq, head.hash, None)
        )
    event = (
        await db.exec(
            select(AuditEvent)
            .where(
                AuditEvent.kind == CLOSED,
                AuditEvent.subject == f"meeting:{meeting.id}",
            )
            .order_by(col(AuditEvent.seq).desc())
        )
    ).first()
    if event is None:  # closed before closing events named their meeting: by time
        event = (
            await db.exec(
                select(AuditEvent)
                .where(col(AuditEvent.at) <= meeting.closed_at)
                .order_by(col(AuditEvent.seq).desc())
            )
        ).first()
    if event is None:
        return AuditHeadAt(0, GENESIS, meeting.closed_at)
    return AuditHeadAt(event.seq, event.hash, event.at)

"""Ballots, shared by written polls and live votes.

The server builds the ballot's payload; the WebAuthn challenge is the SHA-256 of its
canonical JSON, so the member's passkey signs the ballot itself. The payload and the whole
assertion (authenticatorData, clientDataJSON, signature) are kept with the credential's
public key, so anyone can re-verify the ballot offline (ecabinet.ballots.evidence).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, exists, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select

from .. import audit, vote_options
from ..auth import passkeys
from ..auth.actor import Actor
from ..auth.permissions import Permission, ensure
from ..ballots.electorate import VOTING_ROLES as VOTING_ROLES
from ..ballots.electorate import entitled_voters as entitled_voters
from ..ballots.evidence import ballot_challenge, canonical_json
from ..db import Tx
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..events import BallotCast, Event, EventKind
from ..models import (
    Attendance,
    Ballot,
    Membership,
    Poll,
    PollQuestion,
    Recusal,
    WebAuthnChallenge,
    utcnow,
)
from ..settings import Settings
from ..vocab import PollKind, PollState, RevotePolicy
from .attendance import live_voter
from .recusals import recused_seats

PURPOSE = "ballot"
# 2: the payload names the document versions voted on ("texts", frozen when the poll opened).
# A ballot on a "choose one option" question also names the option chosen, key and labels
# ("option"), as the member was shown it (ecabinet/vote_options.py).
PAYLOAD_VERSION = 2


class BallotRefused(Forbidden):
    title = "Ballot not accepted"
    kind = "ballot"


class PollNotOpen(Conflict):
    title = "Voting is not open"
    kind = "poll-not-open"
    audit = True


class PollAnnulled(PollNotOpen):
    title = "The vote was annulled"
    kind = "poll-annulled"


def receipt_of(payload: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(payload)).hexdigest()


@dataclass(frozen=True)
class BallotTarget:
    poll: Poll
    question: PollQuestion
    seat: Membership  # the seat the ballot counts for
    signer: int | None = None  # whose passkey signs: the seat's holder, or their stand-in


# Built once (every ballot runs them): the poll with the question, if it is this poll's;
# for a cast, with the poll's row locked (see cast_ballot).
_POLL_AND_QUESTION = (
    select(Poll, PollQuestion)
    .outerjoin(
        PollQuestion,
        and_(col(PollQuestion.id) == bindparam("question"), col(PollQuestion.poll_id) == Poll.id),
    )
    .where(Poll.id == bindparam("poll"))
)
_POLL_SHARED = _POLL_AND_QUESTION.with_for_update(read=True, of=Poll)
_POLL_LOCKED = _POLL_AND_QUESTION.with_for_update(of=Poll)


async def _target(
    tx: Tx, actor: Actor, poll_id: int, question_id: int, *, lock: Any = _POLL_AND_QUESTION
) -> BallotTarget:
    found = (await tx.session.exec(lock, params={"poll": poll_id, "question": question_id})).first()
    poll, question = found if found is not None else (None, None)
    if poll is None:
        raise NotFound("There is no poll with the number %(id)s.", id=poll_id)
    seat = ensure(actor, Permission.VOTE, poll.body_id)
    if seat is not None and poll.kind == PollKind.LIVE.value and poll.meeting_id is not None:
        seat = await _live_seat(tx, actor, poll, seat)
    elif seat is None or seat.role not in VOTING_ROLES or seat.stand_in_for_id is not None:
        await tx.refuse(
            BallotRefused("Only members of the body may vote."),
            actor_id=actor.person_id,
            subject=f"poll:{poll_id}",
        )
    if poll.voter_ids and seat.id not in poll.voter_ids:
        await tx.refuse(
            BallotRefused(
                "You were not among the members asked in this poll, so you cannot answer it."
            ),
            actor_id=actor.person_id,
            subject=f"poll:{poll_id}",
        )
    if question is None or question.poll_id != poll.id:
        raise NotFound("This poll has no question with the number %(id)s.", id=question_id)
    return BallotTarget(poll, question, seat, actor.person_id)


# Built once: the seat's attendance and whether it declared a conflict on the item.
_ATTENDANCE_AND_RECUSAL = select(
    Attendance,
    exists().where(
        col(Recusal.item_id) == bindparam("item"),
        col(Recusal.membership_id) == bindparam("seat"),
        col(Recusal.withdrawn_at).is_(None),
    ),
).where(
    Attendance.meeting_id == bindparam("meeting"), Attendance.membership_id == bindparam("seat")
)


async def _live_seat(tx: Tx, actor: Actor, poll: Poll, seat: Membership) -> Membership:
    """In the session only checked-in members vote, and a stand-in only where the body
    allows it, on the seat of the member they stand in for; never one who declared a
    conflict of interest on the item (actions/recusals.py)."""
    assert poll.meeting_id is not None
    principal = seat.stand_in_for_id or seat.id
    assert principal is not None
    # One statement: the principal's attendance and whether they declared a conflict on
    # the item. Not checked in: refused below in any case, the recusals are read apart.
    found = (
        await tx.session.exec(
            _ATTENDANCE_AND_RECUSAL,
            params={"meeting": poll.meeting_id, "seat": principal, "item": poll.item_id or 0},
        )
    ).first()
    row, recused = found if found is not None else (None, None)
    if recused is None and poll.item_id is not None:
        recused = principal in await recused_seats(tx.session, poll.item_id)
    if recused:
        await tx.refuse(
            BallotRefused(
                "You declared a conflict of interest on this item, so you do not vote on it; "
                "the ballot was not recorded."
            ),
            actor_id=actor.person_id,
            subject=f"poll:{poll.id}",
        )
    counted, why = await live_voter(tx.session, row, poll.voter_ids, seat)
    if counted is None:
        await tx.refuse(BallotRefused(why), actor_id=actor.person_id, subject=f"poll:{poll.id}")
    return counted


async def _ensure_open(tx: Tx, actor: Actor, poll: Poll) -> None:
    now = utcnow()
    if poll.state == PollState.ANNULLED.value:
        await tx.refuse(
            PollAnnulled(
                "This vote was annulled by the chair: %(reason)s", reason=poll.annul_reason
            ),
            actor_id=actor.person_id,
            subject=f"poll:{poll.id}",
        )
    if poll.state != PollState.OPEN.value:
        await tx.refuse(
            PollNotOpen(
                "Voting on this poll is not open (it is %(state)s); the ballot was not recorded.",
                state=poll.state,
            ),
            actor_id=actor.person_id,
            subject=f"poll:{poll.id}",
        )
    if poll.deadline is not None and now > poll.deadline:
        await tx.refuse(
            PollNotOpen("The deadline of this poll has passed; the ballot was not recorded."),
            actor_id=actor.person_id,
            subject=f"poll:{poll.id}",
        )


@dataclass(frozen=True)
class Current:
    """The seat's current ballot on a question, as much of it as replacing it needs."""

    id: int
    receipt: str


_CURRENT = select(Ballot.id, Ballot.receipt).where(
    Ballot.question_id == bindparam("question"),
    Ballot.membership_id == bindparam("seat"),
    col(Ballot.superseded_by_id).is_(None),
)


async def current_ballot(tx: Tx, question_id: int, membership_id: int) -> Current | None:
    found = (
        await tx.session.exec(_CURRENT, params={"question": question_id, "seat": membership_id})
    ).first()
    if found is None:
        return None
    ballot_id, receipt = found
    assert ballot_id is not None
    return Current(ballot_id, receipt)


async def _ensure_may_vote_again(tx: Tx, actor: Actor, target: BallotTarget) -> Current | None:
    assert target.seat.id is not None and target.question.id is not None
    earlier = await current_ballot(tx, target.question.id, target.seat.id)
    if earlier is not None and target.poll.rules.get("revote_policy") == RevotePolicy.ONCE.value:
        await tx.refuse(
            BallotRefused(
                "You have already voted on this question and this body does not allow changing a "
                "vote."
            ),
            actor_id=actor.person_id,
            subject=f"poll:{target.poll.id}",
        )
    return earlier


def build_payload(target: BallotTarget, choice: str, *, origin: str) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "v": PAYLOAD_VERSION,
        "origin": origin,
        "body": target.poll.body_id,
        "poll": target.poll.id,
        "pollKind": target.poll.kind,
        "question": target.question.id,
        "questionText": target.question.text,
        "voter": target.seat.id,
        "person": target.signer or target.seat.person_id,
        "choice": choice,
        "texts": list(target.poll.texts),
        "nonce": secrets.token_urlsafe(16),
        "issuedAt": utcnow().isoformat(timespec="seconds"),
    }
    option = vote_options.option_of(target.question.options, choice)
    if option is not None:
        payload["option"] = option
    return payload


def _ensure_choice(target: BallotTarget, choice: str) -> None:
    if not target.question.options:
        if choice not in target.poll.options:
            raise ValidationFailed("%(choice)s is not one of this poll's options.", choice=choice)
        return
    allowed = vote_options.choices(target.poll.options, target.question.options)
    if choice not in allowed:
        raise ValidationFailed(
            "%(choice)s is not one of this question's options; choose one of %(allowed)s.",
            choice=choice,
            allowed=", ".join(allowed),
        )


async def ballot_options(
    tx: Tx,
    settings: Settings,
    actor: Actor,
    *,
    poll_id: int,
    question_id: int,
    choice: str,
    client: passkeys.Client,
) -> dict[str, Any]:
    """The payload to sign and the WebAuthn request options whose challenge is its hash."""
    target = await _target(tx, actor, poll_id, question_id)
    await _ensure_open(tx, actor, target.poll)
    _ensure_choice(target, choice)
    if target.poll.rules.get("revote_policy") == RevotePolicy.ONCE.value:
        # Told now rather than after signing; where a vote may be changed, nothing to read.
        await _ensure_may_vote_again(tx, actor, target)
    payload = build_payload(target, choice, origin=settings.origin)
    options = await passkeys.authentication_options(
        tx,
        settings,
        client=client,
        purpose=PURPOSE,
        person_id=actor.person_id,
        challenge=ballot_challenge(payload),
        payload=payload,
    )
    return {"payload": payload, "publicKey": options}


async def cast_ballot(
    tx: Tx,
    settings: Settings,
    actor: Actor,
    *,
    poll_id: int,
    payload: dict[str, Any],
    credential: dict[str, Any],
    challenge: WebAuthnChallenge | None = None,
) -> tuple[Ballot, Poll]:
    """Verify the signed ballot and record it; refusals are precise and audited. The poll
    comes back too, as loaded (and locked) here: the caller need not read it again.
    ``challenge``: the caller took the ballot's challenge already (actions/voting.py).

    The poll's row is locked by the first statement and held until the commit. A live
    vote's ballots SHARE it (``FOR SHARE``): they do not wait for each other, so a vote is
    not served one ballot at a time, and no ballot holds a pooled connection while it
    waits behind another. It protects the poll closing, being cancelled, annulled or swept
    past its deadline while the ballot is cast: those take it FOR UPDATE, which waits for
    every ballot holding it; a ballot that asks after the close committed reads the closed
    poll (PostgreSQL's READ COMMITTED gives a locking read the newest row) and is refused.
    So a ballot either commits before the close counts the ballots, or is refused. Two
    ballots of one seat on one question are not serialized by it: the partial unique
    index arbitrates them (``_record``).

    A written poll's ballot takes it FOR UPDATE: it may settle the poll
    (actions/poll_results.py), which it can only judge having seen every ballot committed
    before it; written polls are answered over days, not in a burst. Which lock to take
    is read from the payload, before the poll is: a payload that names another kind than
    the poll's is refused at once, never upgraded from a shared lock (two ballots doing
    that would deadlock). On SQLite the write transaction began with BEGIN IMMEDIATE: the
    cast already holds the database's one write lock, and no lock is written."""
    if not isinstance(payload.get("question"), int):
        raise ValidationFailed("The ballot's payload names no question.")
    written = payload.get("pollKind") == PollKind.WRITTEN.value
    lock = _POLL_LOCKED if written else _POLL_SHARED
    target = await _target(tx, actor, poll_id, payload["question"], lock=lock)
    subject = f"poll:{poll_id}"
    if payload.get("pollKind") != target.poll.kind:
        await tx.refuse(
            BallotRefused("This ballot was issued for another member or another poll."),
            actor_id=actor.person_id,
            subject=subject,
        )
    await _ensure_open(tx, actor, target.poll)
    assertion = await passkeys.verify_assertion(
        tx, settings, credential, purpose=PURPOSE, challenge=challenge
    )
    if assertion.person.id != actor.person_id:
        await tx.refuse(
            BallotRefused("This ballot was signed with another member's passkey."),
            actor_id=actor.person_id,
            subject=subject,
        )
    if payload.get("texts") != target.poll.texts:
        await tx.refuse(
            BallotRefused(
                "This ballot names other versions of the documents than those frozen when the "
                "vote opened; nothing was recorded."
            ),
            actor_id=actor.person_id,
            subject=subject,
        )
    if assertion.challenge.context.get("payload") != payload or passkeys.challenge_of(
        credential
    ) != ballot_challenge(payload):
        await tx.refuse(
            BallotRefused(
                "The ballot differs from the one your passkey signed; nothing was recorded."
            ),
            actor_id=actor.person_id,
            subject=subject,
        )
    if payload.get("voter") != target.seat.id or payload.get("poll") != poll_id:
        await tx.refuse(
            BallotRefused("This ballot was issued for another member or another poll."),
            actor_id=actor.person_id,
            subject=subject,
        )
    return await _record(tx, actor, target, payload, assertion), target.poll


# A ballot that finds another ballot of its seat current reads it and tries again; a
# second try means another ballot of the same seat committed in between.
ATTEMPTS = 3


class BallotCrossed(Conflict):
    title = "Ballots crossed"
    kind = "ballot-crossed"
    audit = True


async def _record(
    tx: Tx,
    actor: Actor,
    target: BallotTarget,
    payload: dict[str, Any],
    assertion: passkeys.Assertion,
) -> Ballot:
    """Insert the ballot as the seat's current one. When the seat has one already (an
    earlier ballot, or one its other device or its stand-in cast a moment ago), that one
    is read and, if the body lets a member change their vote, replaced: it stops being
    current (pointing at itself) before the new ballot is written, since the database
    allows one current ballot per seat and question, then points at the new one."""
    assert target.question.id is not None and target.seat.id is not None
    assert target.poll.id is not None and assertion.credential.id is not None
    ballot = Ballot(
        poll_id=target.poll.id,
        question_id=target.question.id,
        membership_id=target.seat.id,
        choice=str(payload["choice"]),
        payload=canonical_json(payload).decode("utf-8"),
        receipt=receipt_of(payload),
        credential_id=assertion.credential.id,
        authenticator_data=assertion.authenticator_data,
        client_data_json=assertion.client_data_json,
        signature=assertion.signature,
        public_key_spki_pem=assertion.credential.public_key_spki_pem,
        cast_at=utcnow(),
    )
    replaced: list[Current] = []
    for _ in range(ATTEMPTS):
        ballot.id = await _insert(tx, ballot)
        if ballot.id is not None:
            break
        earlier = await _ensure_may_vote_again(tx, actor, target)
        if earlier is not None and await _retire(tx, earlier.id):
            replaced.append(earlier)
    else:
        await tx.refuse(
            BallotCrossed(
                "Other ballots of your seat on this question were being recorded at the same "
                "moment; this one was not recorded. Check your vote, then vote again if needed."
            ),
            actor_id=actor.person_id,
            subject=f"poll:{target.poll.id}",
        )
    if replaced:
        await tx.session.exec(
            update(Ballot)
            .where(col(Ballot.id).in_([r.id for r in replaced]))
            .values(superseded_by_id=ballot.id)
        )
    # A secret ballot's audit entry proves that the member voted, not how.
    choice = None if target.poll.secret else ballot.choice
    signer = target.signer or target.seat.person_id
    await audit.record(
        tx.session,
        "ballot.cast",
        actor_id=signer,
        body_id=target.poll.body_id,
        subject=f"poll:{target.poll.id}",
        question=target.question.id,
        receipt=ballot.receipt,
        choice=choice,
        replaces=replaced[-1].receipt if replaced else None,
    )
    tx.emit(
        Event.of(
            EventKind.BALLOT_CAST,
            BallotCast(target.poll.id, target.question.id),
            body_id=target.poll.body_id,
            meeting_id=target.poll.meeting_id,
        )
    )
    return ballot


async def _retire(tx: Tx, ballot_id: int) -> bool:
    """Make a current ballot not current; False if it no longer was (on PostgreSQL the
    UPDATE waits for a concurrent replacement and then re-reads the row it changed)."""
    result = await tx.session.exec(
        update(Ballot)
        .where(col(Ballot.id) == ballot_id, col(Ballot.superseded_by_id).is_(None))
        .values(superseded_by_id=ballot_id)
    )
    return bool(result.rowcount)


def _insert_ballot(insert: Any) -> Any:
    return (
        insert(Ballot)
        .on_conflict_do_nothing(
            index_elements=[col(Ballot.question_id), col(Ballot.membership_id)],
            index_where=col(Ballot.superseded_by_id).is_(None),
        )
        .returning(col(Ballot.id))
    )


# Built once per dialect; the values come with each execution.
_INSERT = {"postgresql": _insert_ballot(postgresql.insert), "sqlite": _insert_ballot(sqlite.insert)}


async def _insert(tx: Tx, ballot: Ballot) -> int | None:
    """Insert the ballot as the seat's current one, or nothing (None) when the seat has
    a current ballot on the question: the partial unique index decides, after waiting
    for a concurrent insert of the same seat to commit or roll back."""
    connection = await tx.session.connection()
    values = ballot.model_dump(exclude={"id", "superseded_by_id"})
    result = await connection.execute(_INSERT[connection.dialect.name], values)
    inserted = result.scalar_one_or_none()
    return None if inserted is None else int(inserted)


async def current_ballots(tx: Tx, poll_id: int) -> list[Ballot]:
    rows = await tx.session.exec(
        select(Ballot).where(Ballot.poll_id == poll_id, col(Ballot.superseded_by_id).is_(None))
    )
    return list(rows.all())

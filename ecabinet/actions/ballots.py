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

from sqlalchemy import and_, exists, false, update
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
from ..models import Attendance, Ballot, Membership, Poll, PollQuestion, Recusal, utcnow
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


async def _target(tx: Tx, actor: Actor, poll_id: int, question_id: int) -> BallotTarget:
    # One statement: the poll with the question (if it is this poll's).
    query = (
        select(Poll, PollQuestion)
        .outerjoin(
            PollQuestion,
            and_(col(PollQuestion.id) == question_id, col(PollQuestion.poll_id) == Poll.id),
        )
        .where(Poll.id == poll_id)
    )
    found = (await tx.session.exec(query)).first()
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


async def _live_seat(tx: Tx, actor: Actor, poll: Poll, seat: Membership) -> Membership:
    """In the session only checked-in members vote, and a stand-in only where the body
    allows it, on the seat of the member they stand in for; never one who declared a
    conflict of interest on the item (actions/recusals.py)."""
    assert poll.meeting_id is not None
    principal = seat.stand_in_for_id or seat.id
    assert principal is not None
    # One statement: the principal's attendance and whether they declared a conflict on
    # the item. Not checked in: refused below in any case, the recusals are read apart.
    recused_here = (
        exists().where(
            col(Recusal.item_id) == poll.item_id,
            col(Recusal.membership_id) == principal,
            col(Recusal.withdrawn_at).is_(None),
        )
        if poll.item_id is not None
        else false()
    )
    found = (
        await tx.session.exec(
            select(Attendance, recused_here).where(
                Attendance.meeting_id == poll.meeting_id, Attendance.membership_id == principal
            )
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


async def current_ballot(tx: Tx, question_id: int, membership_id: int) -> Ballot | None:
    return (
        await tx.session.exec(
            select(Ballot).where(
                Ballot.question_id == question_id,
                Ballot.membership_id == membership_id,
                col(Ballot.superseded_by_id).is_(None),
            )
        )
    ).first()


async def _ensure_may_vote_again(tx: Tx, actor: Actor, target: BallotTarget) -> Ballot | None:
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
) -> tuple[Ballot, Poll]:
    """Verify the signed ballot and record it; refusals are precise and audited. The poll
    comes back too, as loaded (and locked, late) here: the caller need not read it again."""
    if not isinstance(payload.get("question"), int):
        raise ValidationFailed("The ballot's payload names no question.")
    target = await _target(tx, actor, poll_id, payload["question"])
    await _ensure_open(tx, actor, target.poll)
    assertion = await passkeys.verify_assertion(tx, settings, credential, purpose=PURPOSE)
    subject = f"poll:{poll_id}"
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
    await _lock_open_poll(tx, actor, target.poll)
    earlier = await _ensure_may_vote_again(tx, actor, target)
    return await _record(tx, actor, target, payload, assertion, earlier), target.poll


async def _lock_open_poll(tx: Tx, actor: Actor, poll: Poll) -> None:
    """The poll's row lock, taken late: once the ballot is verified, just before the
    earlier ballot is read and the new one written; held until the commit.

    A live vote's ballots SHARE it (``FOR SHARE``): they do not wait for each other, so a
    vote is not served one ballot at a time, and no ballot holds a pooled connection
    while it waits behind another. What it protects is the poll closing, being cancelled,
    annulled or swept past its deadline while the ballot is cast: those take it FOR
    UPDATE, which waits for every ballot holding it and goes before the ballots that ask
    after it; so a ballot either commits before the close counts the ballots, or finds
    the poll closed here (PostgreSQL's READ COMMITTED gives the locking read the closed
    row) and is refused. Two ballots of one seat on one question are not serialized by
    it: the partial unique index arbitrates them (``_insert``).

    A written poll's ballot takes it FOR UPDATE: the ballot may settle the poll
    (actions/poll_results.py), which it can only judge having seen every ballot
    committed before it. Written polls are answered over days, not in a burst.

    What was read before the lock stays true: an open poll's voter list, texts, options
    and rules are frozen when it opens and it never reopens, and no recusal is declared
    once a vote on the item opened; so the state and deadline, re-read here, are all that
    can have changed. On SQLite the write transaction began with BEGIN IMMEDIATE: the
    whole cast already holds the database's one write lock and the poll read first is
    current, so no statement is needed."""
    if (await tx.session.connection()).dialect.name == "sqlite":
        return
    written = poll.kind == PollKind.WRITTEN.value
    await tx.session.exec(
        select(Poll)
        .where(Poll.id == poll.id)
        .with_for_update(read=not written)
        .execution_options(populate_existing=True)
    )
    await _ensure_open(tx, actor, poll)


# A ballot that finds another ballot of its seat made current meanwhile reads it and
# tries again; each retry means another ballot of the same seat committed in between.
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
    earlier: Ballot | None,
) -> Ballot:
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
    retired: list[int] = []
    for _ in range(ATTEMPTS):
        # The earlier ballot stops being current before the new one is written (the
        # database allows one current ballot per seat and question); it points at itself
        # until the new ballot has a number to point at.
        earlier_id = None if earlier is None else earlier.id
        if earlier_id is not None:
            if not await _retire(tx, earlier_id):
                # Another ballot of this seat replaced it meanwhile: that one is current.
                earlier = await _ensure_may_vote_again(tx, actor, target)
                continue
            retired.append(earlier_id)
        ballot.id = await _insert(tx, ballot)
        if ballot.id is not None:
            break
        # Another ballot of this seat (the member's other tablet, or their stand-in)
        # became current after the earlier one was read: it is the earlier one now.
        earlier = await _ensure_may_vote_again(tx, actor, target)
    else:
        await tx.refuse(
            BallotCrossed(
                "Other ballots of your seat on this question were being recorded at the same "
                "moment; this one was not recorded. Check your vote, then vote again if needed."
            ),
            actor_id=actor.person_id,
            subject=f"poll:{target.poll.id}",
        )
    if retired:
        await tx.session.exec(
            update(Ballot).where(col(Ballot.id).in_(retired)).values(superseded_by_id=ballot.id)
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
        replaces=None if earlier is None else earlier.receipt,
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


async def _insert(tx: Tx, ballot: Ballot) -> int | None:
    """Insert the ballot as the seat's current one, or nothing (None) when the seat has
    a current ballot on the question: the partial unique index decides, after waiting
    for a concurrent insert of the same seat to commit or roll back."""
    connection = await tx.session.connection()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    values = ballot.model_dump(exclude={"id", "superseded_by_id"})
    statement = (
        insert(Ballot)
        .values(**values)
        .on_conflict_do_nothing(
            index_elements=[col(Ballot.question_id), col(Ballot.membership_id)],
            index_where=col(Ballot.superseded_by_id).is_(None),
        )
        .returning(col(Ballot.id))
    )
    inserted = (await connection.execute(statement)).scalar_one_or_none()
    return None if inserted is None else int(inserted)


async def current_ballots(tx: Tx, poll_id: int) -> list[Ballot]:
    rows = await tx.session.exec(
        select(Ballot).where(Ballot.poll_id == poll_id, col(Ballot.superseded_by_id).is_(None))
    )
    return list(rows.all())

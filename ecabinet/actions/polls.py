"""Written polls (phiếu lấy ý kiến) between sessions.

The secretariat drafts a poll (questions, each with the body's options or with its own
options to choose between (ecabinet/vote_options.py), attached documents); the
chair approves and sends it. Sending freezes the body's rules and the electorate into the
poll, so that later edits of the body change nothing in a running poll. Members answer each
question with a passkey-signed ballot (actions.ballots). The poll is decided by the frozen
rules (rules.decide_written_poll) at its deadline, or as soon as no remaining answer can
change any question's result (rules.settled_written_poll); it closes then.

States and the only moves between them:
    draft --approve--> approved --send--> open --close--> closed
    draft --send (by the chair: approves in the same act)--> open
    draft | approved | open --cancel--> cancelled
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select

from .. import audit, vote_options
from ..auth.actor import Actor
from ..auth.permissions import Permission, can, ensure
from ..db import Tx
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..events import Event, EventKind, PollMoved
from ..i18n import N_
from ..models import Body, Document, Poll, PollAttachment, PollQuestion, rules_of, utcnow
from ..vocab import PollKind, PollState
from . import notifications, voted_texts
from .ballots import entitled_voters

MAX_QUESTIONS = 20
MAX_TEXT = 4_000
MAX_TITLE = 500

STATE_LABELS: dict[str, str] = {
    PollState.DRAFT.value: N_("Draft"),
    PollState.APPROVED.value: N_("Approved, not yet sent"),
    PollState.OPEN.value: N_("Open for answers"),
    PollState.CLOSED.value: N_("Decided"),
    PollState.CANCELLED.value: N_("Cancelled"),
}

# action -> (states it starts from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[PollState], PollState]] = {
    "approve": (frozenset({PollState.DRAFT}), PollState.APPROVED),
    "send": (frozenset({PollState.DRAFT, PollState.APPROVED}), PollState.OPEN),
    "cancel": (
        frozenset({PollState.DRAFT, PollState.APPROVED, PollState.OPEN}),
        PollState.CANCELLED,
    ),
    "close": (frozenset({PollState.OPEN}), PollState.CLOSED),
}
REFUSALS: dict[str, str] = {
    "approve": N_("Only a draft poll can be approved; this one is %(state)s."),
    "send": N_("Only a draft or approved poll can be sent; this one is %(state)s."),
    "cancel": N_("This poll is %(state)s and can no longer be cancelled."),
    "close": N_("Only an open poll can be closed; this one is %(state)s."),
}


def ensure_transition(poll: Poll, action: str) -> PollState:
    starts, target = TRANSITIONS[action]
    if PollState(poll.state) not in starts:
        raise Conflict(REFUSALS[action], state=poll.state)
    return target


async def load_poll(tx: Tx, poll_id: int, *, lock: bool = False) -> Poll:
    query = select(Poll).where(Poll.id == poll_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    poll = (await tx.session.exec(query)).first()
    if poll is None:
        raise NotFound("There is no poll with the number %(id)s.", id=poll_id)
    return poll


def prepares_polls(actor: Actor, body_id: int) -> bool:
    return can(actor, Permission.PREPARE_MEETINGS, body_id) or can(
        actor, Permission.APPROVE_POLLS, body_id
    )


async def visible_poll(tx: Tx, actor: Actor, poll_id: int, *, lock: bool = False) -> Poll:
    """The poll if the actor may see it: members once it is sent, drafts only for the
    secretariat and the chair."""
    poll = await load_poll(tx, poll_id, lock=lock)
    ensure(actor, Permission.VIEW_BODY, poll.body_id)
    unsent = poll.state in (PollState.DRAFT.value, PollState.APPROVED.value)
    if unsent and not prepares_polls(actor, poll.body_id):
        raise NotFound("There is no poll with the number %(id)s.", id=poll_id)
    return poll


@dataclass(frozen=True)
class Draft:
    title: str
    questions: list[str]
    description: str = ""
    deadline: datetime | None = None
    secret: bool = False
    documents: tuple[int, ...] = ()
    # Per question, in order: the options (label, English label) of a "choose one option"
    # question; none (or fewer entries than questions): the body's for/against/abstain.
    options: tuple[tuple[tuple[str, str], ...], ...] = ()

    def options_of(self, index: int) -> tuple[tuple[str, str], ...]:
        return self.options[index] if index < len(self.options) else ()


def _check_draft(draft: Draft, body: Body) -> Draft:
    title = draft.title.strip()
    if not title or len(title) > MAX_TITLE:
        raise ValidationFailed(
            "A poll needs a title of at most %(limit)s characters.", limit=MAX_TITLE
        )
    asked = [(q.strip(), draft.options_of(n)) for n, q in enumerate(draft.questions)]
    questions = [q for q, _ in asked if q]
    options = tuple(o for q, o in asked if q)
    for offered in options:
        vote_options.make_options(offered)
    if not 1 <= len(questions) <= MAX_QUESTIONS:
        raise ValidationFailed(
            "A poll asks between 1 and %(limit)s questions.", limit=MAX_QUESTIONS
        )
    if any(len(q) > MAX_TEXT for q in questions) or len(draft.description) > MAX_TEXT:
        raise ValidationFailed("The text is longer than %(limit)s characters.", limit=MAX_TEXT)
    if draft.secret and not body.secret_ballot_allowed:
        raise ValidationFailed("This body does not vote by secret ballot.")
    if draft.deadline is not None and draft.deadline <= utcnow():
        raise ValidationFailed("The deadline must be in the future.")
    return Draft(
        title,
        questions,
        draft.description.strip(),
        draft.deadline,
        draft.secret,
        tuple(dict.fromkeys(draft.documents)),
        options,
    )


async def create_poll(tx: Tx, actor: Actor, *, body_id: int, draft: Draft) -> Poll:
    ensure(actor, Permission.PREPARE_MEETINGS, body_id)
    body = await tx.session.get(Body, body_id)
    if body is None:
        raise NotFound("There is no body with the number %(id)s.", id=body_id)
    draft = _check_draft(draft, body)
    for document_id in draft.documents:
        document = await tx.session.get(Document, document_id)
        if document is None or document.body_id != body_id:
            raise ValidationFailed(
                "Document %(id)s is not a document of this body.", id=document_id
            )
    poll = Poll(
        body_id=body_id,
        kind=PollKind.WRITTEN.value,
        title=draft.title,
        description=draft.description,
        secret=draft.secret,
        options=list(body.vote_options),
        state=PollState.DRAFT.value,
        created_by_id=actor.person_id,
        deadline=draft.deadline,
    )
    tx.session.add(poll)
    await tx.session.flush()
    assert poll.id is not None
    tx.session.add_all(
        [
            PollQuestion(
                poll_id=poll.id,
                ordinal=n,
                text=text,
                options=vote_options.make_options(draft.options_of(n - 1)),
            )
            for n, text in enumerate(draft.questions, start=1)
        ]
    )
    tx.session.add_all([PollAttachment(poll_id=poll.id, document_id=d) for d in draft.documents])
    await tx.session.flush()
    await audit.record(
        tx.session,
        "poll.drafted",
        actor_id=actor.person_id,
        body_id=body_id,
        subject=f"poll:{poll.id}",
        title=poll.title,
        questions=draft.questions,
        options=[vote_options.make_options(o) for o in draft.options],
        documents=list(draft.documents),
        secret=poll.secret,
    )
    return poll


async def approve(tx: Tx, actor: Actor, poll_id: int) -> Poll:
    poll = await visible_poll(tx, actor, poll_id, lock=True)
    ensure(actor, Permission.APPROVE_POLLS, poll.body_id)
    poll.state = ensure_transition(poll, "approve").value
    poll.approved_by_id = actor.person_id
    return await _moved(tx, actor, poll, EventKind.POLL_APPROVED)


async def send(tx: Tx, actor: Actor, poll_id: int) -> Poll:
    """Open the poll to the members: freeze the rules and the electorate, notify them."""
    poll = await visible_poll(tx, actor, poll_id, lock=True)
    target = ensure_transition(poll, "send")
    if not can(actor, Permission.APPROVE_POLLS, poll.body_id):
        if poll.state == PollState.DRAFT.value:
            raise Forbidden(
                "The chair has not approved this poll yet; only the chair may send it now."
            )
        ensure(actor, Permission.PREPARE_MEETINGS, poll.body_id)
    if poll.state == PollState.DRAFT.value:
        poll.approved_by_id = actor.person_id
        await audit.record(
            tx.session,
            "poll.approved",
            actor_id=actor.person_id,
            body_id=poll.body_id,
            subject=f"poll:{poll.id}",
            state="approved",
        )
    body = await tx.session.get(Body, poll.body_id)
    assert body is not None
    now = utcnow()
    deadline = poll.deadline or now + timedelta(days=body.poll_window_days)
    if deadline <= now:
        raise Conflict("The poll's deadline has already passed; set a new one before sending it.")
    voters = await entitled_voters(tx.session, poll.body_id)
    if not voters:
        raise Conflict("This body has no voting members to ask.")
    poll.state, poll.opened_at, poll.deadline = target.value, now, deadline
    poll.rules, poll.electorate = rules_of(body), len(voters)
    poll.voter_ids = [v.id for v in voters if v.id is not None]
    poll.texts = await voted_texts.of_attachments(tx.session, poll.id or 0)
    await _moved(
        tx,
        actor,
        poll,
        EventKind.POLL_SENT,
        electorate=poll.electorate,
        rules=poll.rules,
        deadline=deadline.isoformat(),
        texts=poll.texts,
    )
    await notifications.notify(
        tx,
        await notifications.with_assistants(tx, voters),
        kind="poll.sent",
        body_id=poll.body_id,
        subject=f"poll:{poll.id}",
        link=f"/polls/{poll.id}",
        message=N_('A written poll awaits your answer by %(deadline)s: "%(title)s".'),
        title=poll.title,
        deadline=deadline.strftime("%Y-%m-%d %H:%M UTC"),
    )
    return poll


async def cancel(tx: Tx, actor: Actor, poll_id: int, *, reason: str) -> Poll:
    poll = await visible_poll(tx, actor, poll_id, lock=True)
    if not prepares_polls(actor, poll.body_id):
        raise Forbidden("Only the secretariat or the chair may cancel a poll.")
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Give the reason for cancelling the poll; it goes on the record.")
    poll.state = ensure_transition(poll, "cancel").value
    poll.closed_at = utcnow()
    return await _moved(tx, actor, poll, EventKind.POLL_CANCELLED, reason=reason)


async def _moved(tx: Tx, actor: Actor | None, poll: Poll, kind: EventKind, **data: object) -> Poll:
    tx.session.add(poll)
    await tx.session.flush()
    await audit.record(
        tx.session,
        kind,
        actor_id=None if actor is None else actor.person_id,
        body_id=poll.body_id,
        subject=f"poll:{poll.id}",
        state=poll.state,
        **data,
    )
    assert poll.id is not None
    tx.emit(
        Event.of(
            kind, PollMoved(poll.id, poll.state), body_id=poll.body_id, meeting_id=poll.meeting_id
        )
    )
    return poll


async def questions_of(tx: Tx, poll_id: int | None) -> list[PollQuestion]:
    rows = await tx.session.exec(
        select(PollQuestion)
        .where(PollQuestion.poll_id == poll_id)
        .order_by(col(PollQuestion.ordinal))
    )
    return list(rows.all())


async def attachments_of(tx: Tx, poll_id: int | None) -> list[Document]:
    rows = await tx.session.exec(
        select(Document)
        .join(PollAttachment, col(PollAttachment.document_id) == Document.id)
        .where(PollAttachment.poll_id == poll_id)
        .order_by(col(PollAttachment.id))
    )
    return list(rows.all())


async def polls_of_body(tx: Tx, actor: Actor, body_id: int) -> list[Poll]:
    ensure(actor, Permission.VIEW_BODY, body_id)
    query = select(Poll).where(Poll.body_id == body_id, Poll.kind == PollKind.WRITTEN.value)
    if not prepares_polls(actor, body_id):
        query = query.where(col(Poll.state).in_([PollState.OPEN.value, PollState.CLOSED.value]))
    rows = await tx.session.exec(query.order_by(col(Poll.created_at).desc()))
    return list(rows.all())

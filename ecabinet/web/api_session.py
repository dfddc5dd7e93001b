"""JSON API of the live session: the snapshot, the chair's controls, check-in, live votes.

Each unsafe call returns the fresh snapshot (``GET .../session``) so the caller's screen
can move on at once; every other tablet hears of it over /ws.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from .. import vote_options
from ..actions import annulment, checkin, live_votes, session
from ..auth.actor import Actor
from ..db import Tx
from ..i18n import gettext_for
from ..models import Poll, PollQuestion
from ..outcomes import describe
from .api_auth import PasskeyAnswer
from .bodies import Body, Flag, Id, OptionLabel, example, parsed, takes
from .common import actor_of, client_of, db_of, int_param, settings_of
from .routing import api
from .templating import locale_of


class Opening(Body):
    """Confirmations the chair gives after the server's warning."""

    model_config = example({}, {"confirm": True, "confirm_early": True})
    confirm: Flag = Field(False, description="Open without a quorum checked in.")
    confirm_early: Flag = Field(False, description="Open before the scheduled date.")
    confirm_late: Flag = Field(False, description="Open after the scheduled date passed.")


class NextItem(Body):
    """The item to take; none takes the next one."""

    model_config = example({}, {"item": 1})
    item: Id | None = None


class Conclusion(Body):
    """The chair's conclusion on the current item, or its deferral."""

    model_config = example({"text": "Adopted as presented.", "defer": False})
    text: str = Field("", max_length=20000)
    defer: Flag = False


class LiveVote(Body):
    """The question put to the vote; the options are the body's, unless `options` are
    given (two to nine): then members choose one of them (keys opt1.. in this order) or
    abstain. With a duration the vote closes itself at its deadline."""

    model_config = example(
        {"question": "Adopt the draft decree?", "secret": False},
        {"question": "Adopt the draft decree?", "duration": 120},
        {
            "question": "Which site for the new hospital?",
            "options": [
                {"label": "Phương án 1: Đông Anh", "label_en": "Option 1: Dong Anh"},
                {"label": "Phương án 2: Gia Lâm", "label_en": "Option 2: Gia Lam"},
            ],
        },
    )
    question: str = Field("", max_length=1000)
    options: list[OptionLabel] = Field(
        default_factory=list, max_length=9, description="The options; none: the body's."
    )
    secret: Flag = False
    duration: int | None = Field(
        None,
        description="Seconds until the vote closes itself "
        "(15 to 14400); none: the chair closes it.",
    )
    confirm_changed: Flag = Field(
        False, description="Vote although the item's documents changed after publication."
    )
    roll_call: Flag = Field(
        False,
        description="Show on the chair's page and the room display who voted how, live "
        "(open ballots only).",
    )


class Annulment(Body):
    """Why the chair annuls the vote: shown on every screen and recorded in the minutes."""

    model_config = example({"reason": "The count was interrupted by a network failure."})
    reason: str = Field("", max_length=annulment.MAX_REASON * 2)


class Rerun(Body):
    """Confirmations for re-running an annulled vote."""

    model_config = example({}, {"confirm_changed": True})
    confirm_changed: Flag = Field(
        False, description="Vote although the item's documents changed after publication."
    )


class CheckinMode(Body):
    """Whether I check in in the room or from afar."""

    model_config = example({"mode": "room"})
    mode: Literal["room", "remote"] = "room"


async def view(request: Request, meeting_id: int, status: int = 200) -> Response:
    states = request.app.state.hub.states
    async with db_of(request).read() as db_session:
        text = await states.view(db_session, actor_of(request), meeting_id)
    return Response(text, status_code=status, media_type="application/json")


async def meeting_step(
    request: Request, step: Callable[[Tx, Actor, int], Awaitable[object]], status: int = 200
) -> Response:
    """One step of the live session by the caller on the meeting in the path, in its own
    transaction; the answer is the meeting's fresh snapshot."""
    meeting_id = int_param(request, "meeting")
    async with db_of(request).transaction() as tx:
        await step(tx, actor_of(request), meeting_id)
    return await view(request, meeting_id, status)


async def snapshot(request: Request) -> Response:
    """The live session's snapshot: state, current item, presence, quorum, open vote.

    Also `seq`, the meeting's event sequence number it reflects, and `me` (what only the
    caller sees: their check-in and their own ballot with its receipt). Tablets fetch it on
    opening, on a gap in the /ws sequence and after reconnecting. /ws sends JSON messages
    with `type`, `meeting`, `seq` and `prev`: `state` (the same snapshot without `me`),
    `tally` (`cast`: the running ballot count of the open vote, coalesced), `presence`
    (`seats`: the changed lines of the member list, `quorum`, `poll`: the open vote's
    counts), `event`, `resync` (`within`: ask for the snapshot at a random moment within
    this many ms), `ping` (answer `{"type": "pong"}`); send
    `{"type": "watch", "meeting": id}`. While the database is unreachable the answer is
    503 with `Retry-After`.
    """
    return await view(request, int_param(request, "meeting"))


@takes(Opening)
async def open_session(request: Request) -> Response:
    """Open the session (the chair, or the secretariat on the chair's behalf).

    Without a quorum checked in, refused (409, `no-quorum-yet`, saying how many are present
    and needed) unless the body is `{"confirm": true}`; the opening is then audited as
    made without a quorum. On a day before the scheduled date, refused (409,
    `opens-before-its-date`) unless `{"confirm_early": true}`; on a day after it (the
    date the members were called for has passed), refused (409, `opens-after-its-date`)
    unless `{"confirm_late": true}`; each audited likewise."""
    body = await parsed(request, Opening)
    return await meeting_step(
        request,
        lambda tx, actor, meeting_id: session.open_session(
            tx,
            actor,
            meeting_id,
            confirm=body.confirm,
            confirm_early=body.confirm_early,
            confirm_late=body.confirm_late,
            time_zone=settings_of(request).time_zone,
        ),
    )


async def close_session(request: Request) -> Response:
    """Close the session; items not dealt with are recorded as deferred."""
    return await meeting_step(request, session.close_session)


@takes(NextItem)
async def take_item(request: Request) -> Response:
    """Take the next item of the live agenda, or `{"item": id}`."""
    body = await parsed(request, NextItem)
    return await meeting_step(
        request, lambda tx, actor, meeting_id: session.take_item(tx, actor, meeting_id, body.item)
    )


async def adopt_consent_block(request: Request) -> Response:
    """Adopt every item still in the consent block, in one act."""
    return await meeting_step(request, session.adopt_consent_block)


@takes(Conclusion)
async def conclude_item(request: Request) -> Response:
    """Record the chair's conclusion on the current item (`{"text", "defer"}`)."""
    body = await parsed(request, Conclusion)
    async with db_of(request).transaction() as tx:
        item = await session.conclude_item(
            tx, actor_of(request), int_param(request, "item"), text=body.text, defer=body.defer
        )
    return await view(request, item.meeting_id)


def poll_json(poll: Poll, question: PollQuestion) -> dict[str, Any]:
    return {
        "id": poll.id,
        "kind": poll.kind,
        "meeting": poll.meeting_id,
        "item": poll.item_id,
        "state": poll.state,
        "secret": poll.secret,
        "roll_call": poll.roll_call,
        "options": poll.options,
        "electorate": poll.electorate,
        "question_id": question.id,
        "question": question.text,
        "question_options": question.options,
        "outcome": question.outcome,
        "deadline": None if poll.deadline is None else poll.deadline.isoformat(timespec="seconds"),
        "annulled_at": None
        if poll.annulled_at is None
        else poll.annulled_at.isoformat(timespec="seconds"),
        "annul_reason": poll.annul_reason or None,
        "rerun_of": poll.rerun_of_id,
    }


@takes(LiveVote)
async def open_vote(request: Request) -> Response:
    """Open a live vote on the current item; refused without a quorum. Returns the poll.

    `{"question": "...", "secret": false, "duration": 120}`; the options are the body's; with
    a `duration` (seconds) ballots are refused after the deadline and the vote closes itself
    (the sweeper). Members then vote
    through the ballot routes of /api/polls/{poll}/ballots. If the item's documents got a
    new version after publication: 409 `documents-changed`, unless `"confirm_changed": true`
    (then audited).
    """
    body = await parsed(request, LiveVote)
    async with db_of(request).transaction() as tx:
        poll = await live_votes.open_vote(
            tx,
            actor_of(request),
            int_param(request, "item"),
            question=body.question,
            secret=body.secret,
            confirm_changed=body.confirm_changed,
            duration=body.duration,
            options=[(o.label, o.label_en) for o in body.options],
            roll_call=body.roll_call,
        )
        asked = await live_votes.question_of(tx, poll)
    return JSONResponse(poll_json(poll, asked), status_code=201)


async def close_vote(request: Request) -> Response:
    """Close a live vote: the outcome, the rule that decided it, and its sentence."""
    async with db_of(request).transaction() as tx:
        closed = await live_votes.close_vote(tx, actor_of(request), int_param(request, "poll"))
    locale = locale_of(request)
    _ = gettext_for(locale)
    labels = {o["key"]: vote_options.label_of(o, locale) for o in closed.question.options}
    return JSONResponse(
        {
            **poll_json(closed.poll, closed.question),
            "passed": closed.outcome.passed,
            "rule": closed.outcome.rule,
            "adopted": closed.outcome.adopted,
            "sentence": describe(closed.outcome, _, labels),
        }
    )


@takes(Annulment)
async def annul_vote(request: Request) -> Response:
    """Annul a live vote with a reason (`{"reason": "..."}`): the chair, while the session
    sits, on a vote open or just closed on the item being taken. Its ballots stay stored but
    no longer count; the item's decision reverts; every screen shows the reason. Refused:
    403 to anyone who does not run the session, 422 without a reason, 409
    `already-annulled`, `session-closed`, `minutes-approved` or `session-step`."""
    body = await parsed(request, Annulment)
    async with db_of(request).transaction() as tx:
        done = await annulment.annul_vote(
            tx, actor_of(request), int_param(request, "poll"), reason=body.reason
        )
    return JSONResponse(poll_json(done.poll, done.question))


@takes(Rerun)
async def rerun_vote(request: Request) -> Response:
    """Re-run an annulled vote: a new vote with the same question, options, texts and time
    limit, whose `rerun_of` names the annulled one. Returns the new poll."""
    body = await parsed(request, Rerun)
    async with db_of(request).transaction() as tx:
        poll = await annulment.rerun_vote(
            tx, actor_of(request), int_param(request, "poll"), confirm_changed=body.confirm_changed
        )
        asked = await live_votes.question_of(tx, poll)
    return JSONResponse(poll_json(poll, asked), status_code=201)


@takes(CheckinMode)
async def checkin_options(request: Request) -> Response:
    """Passkey request options to check in: `{"mode": "room" | "remote"}`."""
    body = await parsed(request, CheckinMode)
    async with db_of(request).transaction() as tx:
        options = await checkin.checkin_options(
            tx,
            settings_of(request),
            actor_of(request),
            int_param(request, "meeting"),
            mode=body.mode,
            client=client_of(request),
        )
    return JSONResponse(options)


@takes(PasskeyAnswer)
async def check_in(request: Request) -> Response:
    """Check in with the passkey assertion (`{"credential": ...}`); returns the snapshot."""
    meeting_id = int_param(request, "meeting")
    body = await parsed(request, PasskeyAnswer)
    async with db_of(request).transaction() as tx:
        await checkin.check_in(
            tx, settings_of(request), actor_of(request), meeting_id, body.credential.model_dump()
        )
    return await view(request, meeting_id)


def routes() -> list[BaseRoute]:
    return [
        api("/api/meetings/{meeting}/session", snapshot),
        api("/api/meetings/{meeting}/live", snapshot, name="live_snapshot"),
        api("/api/meetings/{meeting}/session/open", open_session, methods=["POST"]),
        api("/api/meetings/{meeting}/session/close", close_session, methods=["POST"]),
        api("/api/meetings/{meeting}/session/next", take_item, methods=["POST"]),
        api("/api/meetings/{meeting}/consent-block/adopt", adopt_consent_block, methods=["POST"]),
        api("/api/meetings/{meeting}/checkin/options", checkin_options, methods=["POST"]),
        api("/api/meetings/{meeting}/checkin", check_in, methods=["POST"]),
        api("/api/items/{item}/conclusion", conclude_item, methods=["POST"]),
        api("/api/items/{item}/polls", open_vote, methods=["POST"]),
        api("/api/polls/{poll}/close", close_vote, methods=["POST"]),
        api("/api/polls/{poll}/annul", annul_vote, methods=["POST"]),
        api("/api/polls/{poll}/rerun", rerun_vote, methods=["POST"]),
    ]

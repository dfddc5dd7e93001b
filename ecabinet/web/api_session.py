"""JSON API of the live session: the snapshot, the chair's controls, check-in, live votes.

Each unsafe call returns the fresh snapshot (``GET .../session``) so the caller's screen
can move on at once; every other tablet hears of it over /ws.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from ..actions import checkin, live_state, live_votes, session
from ..errors import ValidationFailed
from ..i18n import gettext_for
from ..models import Poll, PollQuestion
from ..outcomes import describe
from .common import actor_of, client_of, credential_in, db_of, int_param, json_body, settings_of
from .inputs import is_id
from .routing import api
from .templating import locale_of


async def view(request: Request, meeting_id: int, status: int = 200) -> Response:
    async with db_of(request).read() as db_session:
        state = await live_state.view(db_session, actor_of(request), meeting_id)
    return JSONResponse(state, status_code=status)


async def snapshot(request: Request) -> Response:
    """The live session's snapshot: state, current item, presence, quorum, open vote.

    Also `seq`, the meeting's event sequence number it reflects, and `me` (what only the
    caller sees: their check-in and their own ballot with its receipt). Tablets fetch it on
    opening, on a gap in the /ws sequence and after reconnecting. /ws sends JSON messages
    with `type`, `meeting`, `seq` and `prev`: `state` (the same snapshot without `me`),
    `tally` (`cast`: the running ballot count of the open vote, coalesced), `event`,
    `resync`, `ping` (answer `{"type": "pong"}`); send `{"type": "watch", "meeting": id}`.
    """
    return await view(request, int_param(request, "meeting"))


async def open_session(request: Request) -> Response:
    """Open the session (the chair, or the secretariat on the chair's behalf).

    Without a quorum checked in, refused (409, `no-quorum-yet`, saying how many are present
    and needed) unless the body is `{"confirm": true}`; the opening is then audited as
    made without a quorum. On a day before the scheduled date, refused (409,
    `opens-before-its-date`) unless `{"confirm_early": true}`; audited likewise."""
    meeting_id = int_param(request, "meeting")
    body = await json_body(request)
    confirm = body.get("confirm", False)
    if not isinstance(confirm, bool):
        raise ValidationFailed('Send {"confirm": true} to open the session without a quorum.')
    confirm_early = body.get("confirm_early", False)
    if not isinstance(confirm_early, bool):
        raise ValidationFailed('Send {"confirm_early": true} to open the session before its '
                               'date.')
    async with db_of(request).transaction() as tx:
        await session.open_session(tx, actor_of(request), meeting_id, confirm=confirm,
                                   confirm_early=confirm_early,
                                   time_zone=settings_of(request).time_zone)
    return await view(request, meeting_id)


async def close_session(request: Request) -> Response:
    """Close the session; items not dealt with are recorded as deferred."""
    meeting_id = int_param(request, "meeting")
    async with db_of(request).transaction() as tx:
        await session.close_session(tx, actor_of(request), meeting_id)
    return await view(request, meeting_id)


async def take_item(request: Request) -> Response:
    """Take the next item of the live agenda, or `{"item": id}`."""
    meeting_id = int_param(request, "meeting")
    item = (await json_body(request)).get("item")
    if item is not None and not is_id(item):
        raise ValidationFailed('Send {"item": <number>}, or nothing to take the next item.')
    async with db_of(request).transaction() as tx:
        await session.take_item(tx, actor_of(request), meeting_id, item)
    return await view(request, meeting_id)


async def adopt_consent_block(request: Request) -> Response:
    """Adopt every item still in the consent block, in one act."""
    meeting_id = int_param(request, "meeting")
    async with db_of(request).transaction() as tx:
        await session.adopt_consent_block(tx, actor_of(request), meeting_id)
    return await view(request, meeting_id)


async def conclude_item(request: Request) -> Response:
    """Record the chair's conclusion on the current item (`{"text", "defer"}`)."""
    body = await json_body(request)
    text, defer = body.get("text", ""), body.get("defer", False)
    if not isinstance(text, str) or not isinstance(defer, bool):
        raise ValidationFailed('Send {"text": "...", "defer": false}.')
    async with db_of(request).transaction() as tx:
        item = await session.conclude_item(tx, actor_of(request), int_param(request, "item"),
                                           text=text, defer=defer)
    return await view(request, item.meeting_id)


def poll_json(poll: Poll, question: PollQuestion) -> dict[str, Any]:
    return {"id": poll.id, "kind": poll.kind, "meeting": poll.meeting_id, "item": poll.item_id,
            "state": poll.state, "secret": poll.secret, "options": poll.options,
            "electorate": poll.electorate, "question_id": question.id,
            "question": question.text, "outcome": question.outcome}


async def open_vote(request: Request) -> Response:
    """Open a live vote on the current item; refused without a quorum. Returns the poll.

    `{"question": "...", "secret": false}`; the options are the body's. Members then vote
    through the ballot routes of /api/polls/{poll}/ballots. If the item's documents got a
    new version after publication: 409 `documents-changed`, unless `"confirm_changed": true`
    (then audited).
    """
    body = await json_body(request)
    question, secret = body.get("question", ""), body.get("secret", False)
    confirm_changed = body.get("confirm_changed", False)
    if not isinstance(question, str) or not isinstance(secret, bool) \
            or not isinstance(confirm_changed, bool):
        raise ValidationFailed('Send {"question": "...", "secret": false}.')
    async with db_of(request).transaction() as tx:
        poll = await live_votes.open_vote(tx, actor_of(request), int_param(request, "item"),
                                          question=question, secret=secret,
                                          confirm_changed=confirm_changed)
        asked = await live_votes.question_of(tx, poll)
    return JSONResponse(poll_json(poll, asked), status_code=201)


async def close_vote(request: Request) -> Response:
    """Close a live vote: the outcome, the rule that decided it, and its sentence."""
    async with db_of(request).transaction() as tx:
        closed = await live_votes.close_vote(tx, actor_of(request), int_param(request, "poll"))
    _ = gettext_for(locale_of(request))
    return JSONResponse({**poll_json(closed.poll, closed.question),
                         "passed": closed.outcome.passed, "rule": closed.outcome.rule,
                         "sentence": describe(closed.outcome, _)})


async def checkin_options(request: Request) -> Response:
    """Passkey request options to check in: `{"mode": "room" | "remote"}`."""
    mode = (await json_body(request)).get("mode", "room")
    if not isinstance(mode, str):
        raise ValidationFailed('Send {"mode": "room"} or {"mode": "remote"}.')
    async with db_of(request).transaction() as tx:
        options = await checkin.checkin_options(
            tx, settings_of(request), actor_of(request), int_param(request, "meeting"),
            mode=mode, client=client_of(request))
    return JSONResponse(options)


async def check_in(request: Request) -> Response:
    """Check in with the passkey assertion (`{"credential": ...}`); returns the snapshot."""
    meeting_id = int_param(request, "meeting")
    credential = credential_in(await json_body(request))
    async with db_of(request).transaction() as tx:
        await checkin.check_in(tx, settings_of(request), actor_of(request), meeting_id,
                               credential)
    return await view(request, meeting_id)


def routes() -> list[BaseRoute]:
    return [
        api("/api/meetings/{meeting}/session", snapshot),
        api("/api/meetings/{meeting}/live", snapshot, name="live_snapshot"),
        api("/api/meetings/{meeting}/session/open", open_session, methods=["POST"]),
        api("/api/meetings/{meeting}/session/close", close_session, methods=["POST"]),
        api("/api/meetings/{meeting}/session/next", take_item, methods=["POST"]),
        api("/api/meetings/{meeting}/consent-block/adopt", adopt_consent_block,
            methods=["POST"]),
        api("/api/meetings/{meeting}/checkin/options", checkin_options, methods=["POST"]),
        api("/api/meetings/{meeting}/checkin", check_in, methods=["POST"]),
        api("/api/items/{item}/conclusion", conclude_item, methods=["POST"]),
        api("/api/items/{item}/polls", open_vote, methods=["POST"]),
        api("/api/polls/{poll}/close", close_vote, methods=["POST"]),
    ]

"""JSON API for written polls: draft, approve, send, cancel, see, remind, result notice.
The ballots themselves go through api_ballots (shared with live votes)."""

from __future__ import annotations

import asyncio
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from ..actions import poll_results, polls
from ..errors import ValidationFailed
from ..i18n import gettext_for
from ..models import Poll, utcnow
from ..outcomes import describe
from ..pdf import poll_notice
from ..reports import PollTally
from . import inputs
from .common import actor_of, db_of, int_param, json_body, settings_of
from .routing import api
from .shapes import poll_as_json
from .templating import locale_of


def zone_of(request: Request) -> ZoneInfo:
    return ZoneInfo(settings_of(request).time_zone)


def summary_json(poll: Poll) -> dict[str, Any]:
    return {"id": poll.id, "title": poll.title, "state": poll.state, "kind": poll.kind,
            "deadline": poll.deadline.isoformat() if poll.deadline else None,
            "electorate": poll.electorate}


def draft_of(body: dict[str, Any], zone: ZoneInfo) -> polls.Draft:
    questions = body.get("questions")
    if isinstance(questions, str):
        questions = [questions]
    if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
        raise ValidationFailed("The field %(field)s must be a list of texts.",
                               field="questions")
    secret = body.get("secret", False)
    if not isinstance(secret, bool):
        raise ValidationFailed("The field %(field)s must be true or false.", field="secret")
    documents = inputs.ids(body, "documents") if "documents" in body else []
    return polls.Draft(title=inputs.text(body, "title"), questions=questions,
                       description=inputs.text(body, "description"),
                       deadline=inputs.when(body, "deadline", zone), secret=secret,
                       documents=tuple(documents))


async def create_poll(request: Request) -> Response:
    """Draft a written poll (secretariat).

    Body: {"title", "questions": [...], "description"?, "deadline"? (ISO 8601; default: the
    body's poll window from sending), "secret"?, "documents"?: [document ids]}. The options
    are the body's vote options.
    """
    draft = draft_of(await json_body(request), zone_of(request))
    async with db_of(request).transaction() as tx:
        poll = await polls.create_poll(tx, actor_of(request),
                                       body_id=int_param(request, "body_id"), draft=draft)
        state = await poll_results.poll_state(tx, poll)
    return JSONResponse(poll_json(request, state), status_code=201)


async def list_polls(request: Request) -> Response:
    """The written polls of a body (members see those sent; the secretariat and the chair
    also drafts)."""
    async with db_of(request).transaction() as tx:
        rows = await polls.polls_of_body(tx, actor_of(request), int_param(request, "body_id"))
    return JSONResponse({"polls": [summary_json(p) for p in rows]})


def poll_json(request: Request, state: PollTally) -> dict[str, Any]:
    _ = gettext_for(locale_of(request))
    return poll_as_json(state, actor_of(request),
                                sentence=lambda outcome: describe(outcome, _))


async def show_poll(request: Request) -> Response:
    """A poll: state, questions, counts so far, my ballot, and the outcome once decided
    (with the sentence that says which rule decided it)."""
    async with db_of(request).transaction() as tx:
        state = await poll_results.result(tx, actor_of(request), int_param(request, "poll"))
        documents = await polls.attachments_of(tx, state.poll.id)
    data = poll_json(request, state)
    data["documents"] = [{"id": d.id, "title": d.title} for d in documents]
    return JSONResponse(data)


async def approve_poll(request: Request) -> Response:
    """The chair approves a draft poll."""
    async with db_of(request).transaction() as tx:
        poll = await polls.approve(tx, actor_of(request), int_param(request, "poll"))
    return JSONResponse(summary_json(poll))


async def send_poll(request: Request) -> Response:
    """Send the poll to the members: its rules and electorate are frozen, members notified.

    The chair sends a draft (approving it in the same act); the secretariat may send a poll
    the chair approved.
    """
    async with db_of(request).transaction() as tx:
        poll = await polls.send(tx, actor_of(request), int_param(request, "poll"))
    return JSONResponse(summary_json(poll))


async def cancel_poll(request: Request) -> Response:
    """Cancel a poll that is not decided. Body: {"reason": "..."} (required)."""
    body = await json_body(request)
    async with db_of(request).transaction() as tx:
        poll = await polls.cancel(tx, actor_of(request), int_param(request, "poll"),
                                  reason=inputs.text(body, "reason"))
    return JSONResponse(summary_json(poll))


async def remind_poll(request: Request) -> Response:
    """Remind the members who have not answered every question (and their assistants)."""
    async with db_of(request).transaction() as tx:
        count = await poll_results.remind_now(tx, actor_of(request), int_param(request, "poll"))
    return JSONResponse({"notified": count})


async def poll_notice_pdf(request: Request) -> Response:
    """The result notice of a decided written poll, as a PDF."""
    async with db_of(request).transaction() as tx:
        notice = await poll_results.notice(tx, actor_of(request), int_param(request, "poll"))
    data = await asyncio.to_thread(poll_notice.render, notice, gettext_for(locale_of(request)),
                                   zone_of(request), utcnow())
    return Response(data, media_type="application/pdf", headers={
        "content-disposition": f'inline; filename="poll-{notice.state.poll.id}-result.pdf"',
        "cache-control": "private, no-store"})


def routes() -> list[BaseRoute]:
    return [
        api("/api/bodies/{body_id:int}/polls", create_poll, methods=["POST"]),
        api("/api/bodies/{body_id:int}/polls", list_polls),
        api("/api/polls/{poll}", show_poll),
        api("/api/polls/{poll}/approve", approve_poll, methods=["POST"]),
        api("/api/polls/{poll}/send", send_poll, methods=["POST"]),
        api("/api/polls/{poll}/cancel", cancel_poll, methods=["POST"]),
        api("/api/polls/{poll}/reminders", remind_poll, methods=["POST"]),
        api("/api/polls/{poll}/notice.pdf", poll_notice_pdf),
    ]

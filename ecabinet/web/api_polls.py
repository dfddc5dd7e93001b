"""JSON API for written polls: draft, approve, send, cancel, see, remind, result notice.
The ballots themselves go through api_ballots (shared with live votes)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from .. import vote_options
from ..actions import poll_results, polls
from ..i18n import gettext_for
from ..models import Poll, utcnow
from ..outcomes import describe
from ..pdf import poll_notice
from ..reports import PollTally
from .bodies import Body, Flag, Id, OptionLabel, When, example, parsed, takes
from .common import actor_of, db_of, int_param, settings_of
from .routing import api
from .shapes import poll_as_json
from .templating import locale_of


def zone_of(request: Request) -> ZoneInfo:
    return ZoneInfo(settings_of(request).time_zone)


def summary_json(poll: Poll) -> dict[str, Any]:
    return {
        "id": poll.id,
        "title": poll.title,
        "state": poll.state,
        "kind": poll.kind,
        "deadline": poll.deadline.isoformat() if poll.deadline else None,
        "electorate": poll.electorate,
    }


def _listed(value: object) -> object:
    return [value] if isinstance(value, str) else value


class WrittenPoll(Body):
    """A written poll to draft; its options are the body's vote options, except for a
    question given its own `options` (the n-th list for the n-th question; an empty list:
    the body's)."""

    model_config = example(
        {
            "title": "Lấy ý kiến thành viên về dự thảo Nghị định",
            "questions": ["Thông qua dự thảo Nghị định?"],
            "deadline": "2030-07-10T17:00",
            "secret": False,
        },
        {
            "title": "Lấy ý kiến về địa điểm bệnh viện",
            "questions": ["Chọn địa điểm?", "Thông qua tờ trình?"],
            "options": [
                [{"label": "Phương án 1: Đông Anh"}, {"label": "Phương án 2: Gia Lâm"}],
                [],
            ],
        },
    )
    title: str = ""
    questions: Annotated[list[str], BeforeValidator(_listed)]
    description: str = ""
    deadline: When = Field(
        None,
        description="ISO 8601; without an offset, in the server's "
        "time zone. Default: the body's poll window from sending.",
    )
    secret: Flag = False
    documents: list[Id] = Field(
        default_factory=list, description="Ids of the documents the members read before answering."
    )
    options: list[list[OptionLabel]] = Field(
        default_factory=list,
        max_length=20,
        description="Per question, its options to choose between (two to nine); none: the body's.",
    )

    def draft(self) -> polls.Draft:
        return polls.Draft(
            title=self.title,
            questions=self.questions,
            description=self.description,
            deadline=self.deadline,
            secret=self.secret,
            documents=tuple(self.documents),
            options=tuple(tuple((o.label, o.label_en) for o in one) for one in self.options),
        )


class Cancellation(Body):
    """Why the poll is cancelled."""

    model_config = example({"reason": "Dự thảo được rút để sửa."})
    reason: str = ""


@takes(WrittenPoll)
async def create_poll(request: Request) -> Response:
    """Draft a written poll (secretariat).

    Body: {"title", "questions": [...], "description"?, "deadline"? (ISO 8601; default: the
    body's poll window from sending), "secret"?, "documents"?: [document ids], "options"?:
    [[{"label", "label_en"?}], ...] per question}. A question's options are the body's vote
    options unless it is given its own to choose between.
    """
    draft = (await parsed(request, WrittenPoll)).draft()
    async with db_of(request).transaction() as tx:
        poll = await polls.create_poll(
            tx, actor_of(request), body_id=int_param(request, "body_id"), draft=draft
        )
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
    locale = locale_of(request)
    return poll_as_json(
        state,
        actor_of(request),
        sentence=lambda outcome, options=(): describe(
            outcome, _, {o["key"]: vote_options.label_of(o, locale) for o in options}
        ),
    )


async def show_poll(request: Request) -> Response:
    """A poll: state, questions, counts so far, my ballot, and the outcome once decided
    (with the sentence that says which rule decided it). Past its deadline and not yet
    decided by the sweeper, a poll is still `open` with `closing: true`."""
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


@takes(Cancellation)
async def cancel_poll(request: Request) -> Response:
    """Cancel a poll that is not decided. Body: {"reason": "..."} (required)."""
    body = await parsed(request, Cancellation)
    async with db_of(request).transaction() as tx:
        poll = await polls.cancel(
            tx, actor_of(request), int_param(request, "poll"), reason=body.reason
        )
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
    data = await asyncio.to_thread(
        poll_notice.render, notice, gettext_for(locale_of(request)), zone_of(request), utcnow()
    )
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "content-disposition": f'inline; filename="poll-{notice.state.poll.id}-result.pdf"',
            "cache-control": "private, no-store",
        },
    )


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

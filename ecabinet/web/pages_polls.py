"""Pages for written polls: the body's polls and a draft form for the secretariat; a poll
with its questions, the passkey ballot buttons (static/js/ballot.js), the chair's approve
and send, reminders, and the result with the rule that decided it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlmodel import col, select
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from .. import vote_options
from ..actions import poll_results, polls
from ..auth.permissions import Permission, can
from ..db import Tx
from ..errors import Conflict, ValidationFailed
from ..i18n import gettext_for
from ..models import Document, DocumentVersion
from ..outcomes import describe
from ..pdf.poll_notice import CHOICE_LABELS
from ..reports import outcome_of
from . import inputs
from .common import actor_of, db_of, int_param, settings_of
from .page_helpers import page_tools
from .routing import page
from .templating import locale_of, render

LISTED_DOCUMENTS = 50


def questions_from_text(text: str) -> tuple[list[str], list[tuple[tuple[str, str], ...]]]:
    """One question a line; lines that start with "-" under a question are its options to
    choose between ("- Phương án 1: ..."), each optionally followed by " | " and its
    English label."""
    questions: list[str] = []
    options: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("-") and questions:
            label, _, english = stripped[1:].partition("|")
            options[-1].append((label.strip(), english.strip()))
        elif stripped:
            questions.append(stripped)
            options.append([])
    return questions, [tuple(one) for one in options]


def draft_from_form(form: FormData, zone: ZoneInfo) -> polls.Draft:
    questions, options = questions_from_text(str(form.get("questions") or ""))
    documents = [int(v) for v in form.getlist("documents") if isinstance(v, str) and v.isdigit()]
    return polls.Draft(
        title=str(form.get("title") or ""),
        questions=questions,
        description=str(form.get("description") or ""),
        deadline=inputs.when({"deadline": str(form.get("deadline") or "")}, "deadline", zone),
        secret=form.get("secret") == "1",
        documents=tuple(documents),
        options=tuple(options),
    )


async def _polls_page(
    request: Request, *, error: str = "", status: int = 200, entered: dict[str, str] | None = None
) -> Response:
    actor, body_id = actor_of(request), int_param(request, "body_id")
    async with db_of(request).transaction() as tx:
        rows = await polls.polls_of_body(tx, actor, body_id)
        documents = (
            list(
                (
                    await tx.session.exec(
                        select(Document)
                        .where(Document.body_id == body_id)
                        .order_by(col(Document.created_at).desc())
                        .limit(LISTED_DOCUMENTS)
                    )
                ).all()
            )
            if can(actor, Permission.PREPARE_MEETINGS, body_id)
            else []
        )
    return render(
        request,
        "polls.html",
        {
            **page_tools(request),
            "polls": rows,
            "state_labels": polls.STATE_LABELS,
            "body_id": body_id,
            "documents": documents,
            "drafts": can(actor, Permission.PREPARE_MEETINGS, body_id),
            "error": error,
            "entered": entered or {},
        },
        status=status,
    )


async def polls_page(request: Request) -> Response:
    return await _polls_page(request)


async def create_poll(request: Request) -> Response:
    form = await request.form()
    try:
        draft = draft_from_form(form, ZoneInfo(settings_of(request).time_zone))
        async with db_of(request).transaction() as tx:
            poll = await polls.create_poll(
                tx, actor_of(request), body_id=int_param(request, "body_id"), draft=draft
            )
    except ValidationFailed as error:
        _ = gettext_for(locale_of(request))
        return await _polls_page(
            request,
            error=_(error.message, **error.params),
            status=error.status,
            entered={
                k: str(form.get(k) or "") for k in ("title", "questions", "description", "deadline")
            },
        )
    return RedirectResponse(f"/polls/{poll.id}", status_code=303)


async def _poll_page(request: Request, *, error: str = "", status: int = 200) -> Response:
    actor = actor_of(request)
    _ = gettext_for(locale_of(request))
    async with db_of(request).transaction() as tx:
        state = await poll_results.result(tx, actor, int_param(request, "poll"))
        documents = await polls.attachments_of(tx, state.poll.id)
        latest = await _latest_versions(tx, [d.id for d in documents if d.id is not None])
    poll = state.poll
    seat = actor.seat(poll.body_id)
    return render(
        request,
        "poll.html",
        {
            **page_tools(request),
            "state": state,
            "poll": poll,
            "documents": documents,
            "latest": latest,
            "error": error,
            "choice_labels": CHOICE_LABELS,
            "state_labels": polls.STATE_LABELS,
            "my_seat": None if seat is None else seat.id,
            "asked": seat is not None and seat.id in poll.voter_ids,
            "approves": can(actor, Permission.APPROVE_POLLS, poll.body_id),
            "prepares": can(actor, Permission.PREPARE_MEETINGS, poll.body_id),
            "outcome_of": outcome_of,
            "sentence": lambda outcome, options=(): describe(
                outcome,
                _,
                {o["key"]: vote_options.label_of(o, locale_of(request)) for o in options},
            ),
            "choices_of": lambda q: [
                (c, vote_options.label_of(o, locale_of(request)) if o else _(CHOICE_LABELS[c]))
                for c in vote_options.choices(poll.options, q.options)
                for o in [vote_options.option_of(q.options, c)]
            ],
        },
        status=status,
    )


async def _latest_versions(tx: Tx, document_ids: list[int]) -> dict[int, int]:
    rows = (
        (
            await tx.session.exec(
                select(DocumentVersion)
                .where(col(DocumentVersion.document_id).in_(document_ids))
                .order_by(col(DocumentVersion.number))
            )
        ).all()
        if document_ids
        else []
    )
    return {v.document_id: v.id for v in rows if v.id is not None}


async def poll_page(request: Request) -> Response:
    return await _poll_page(request)


async def _act(request: Request, action: str) -> Response:
    actor, poll_id = actor_of(request), int_param(request, "poll")
    form = await request.form()
    try:
        async with db_of(request).transaction() as tx:
            if action == "approve":
                await polls.approve(tx, actor, poll_id)
            elif action == "send":
                await polls.send(tx, actor, poll_id)
            elif action == "cancel":
                await polls.cancel(tx, actor, poll_id, reason=str(form.get("reason") or ""))
            else:
                await poll_results.remind_now(tx, actor, poll_id)
    except (ValidationFailed, Conflict) as error:
        _ = gettext_for(locale_of(request))
        return await _poll_page(
            request, error=_(error.message, **error.params), status=error.status
        )
    return RedirectResponse(f"/polls/{poll_id}", status_code=303)


async def approve(request: Request) -> Response:
    return await _act(request, "approve")


async def send(request: Request) -> Response:
    return await _act(request, "send")


async def cancel(request: Request) -> Response:
    return await _act(request, "cancel")


async def remind(request: Request) -> Response:
    return await _act(request, "remind")


def routes() -> list[BaseRoute]:
    return [
        page("/bodies/{body_id:int}/polls", polls_page, name="polls"),
        page("/bodies/{body_id:int}/polls", create_poll, methods=["POST"], name="create_poll"),
        page("/polls/{poll:int}", poll_page, name="poll"),
        page("/polls/{poll:int}/approve", approve, methods=["POST"], name="approve_poll"),
        page("/polls/{poll:int}/send", send, methods=["POST"], name="send_poll"),
        page("/polls/{poll:int}/cancel", cancel, methods=["POST"], name="cancel_poll"),
        page("/polls/{poll:int}/reminders", remind, methods=["POST"], name="remind_poll"),
    ]

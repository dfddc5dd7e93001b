"""The comments page of a draft's version: threads by page, a new comment (with the
passage and page the viewer passes in the address), replies, and the answers."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from ..actions import comments
from ..auth.permissions import Permission, can
from ..errors import Conflict, ValidationFailed
from ..i18n import gettext_for
from ..models import Comment
from ..reports import RESOLUTION_LABELS
from .common import actor_of, db_of, int_param
from .inputs import positive_int
from .page_helpers import page_tools
from .routing import page
from .templating import locale_of, render


async def _comments_page(
    request: Request, version_id: int, *, error: str = "", status: int = 200
) -> Response:
    actor = actor_of(request)
    async with db_of(request).transaction() as tx:
        target, threads = await comments.version_threads(tx, actor, version_id)
        names = await comments.names_of(tx, threads)
        answers = await comments.answers_for(tx, actor, target)
    query = request.query_params
    return render(
        request,
        "comments.html",
        {
            **page_tools(request),
            "target": target,
            "threads": threads,
            "names": names,
            "answers": answers,
            "error": error,
            "writes": can(actor, Permission.COMMENT, target.document.body_id),
            "resolution_labels": RESOLUTION_LABELS,
            "quote": query.get("quote", "")[: comments.MAX_QUOTE],
            "page_number": positive_int(query.get("page")),
        },
        status=status,
    )


async def comments_page(request: Request) -> Response:
    return await _comments_page(request, int_param(request, "version_id"))


async def _act(request: Request, version_id: int, action: str) -> Response:
    form = await request.form()
    text = str(form.get("text") or "")
    try:
        async with db_of(request).transaction() as tx:
            actor = actor_of(request)
            made: Comment
            if action == "add":
                made = await comments.add_comment(
                    tx,
                    actor,
                    version_id=version_id,
                    text=text,
                    page=positive_int(str(form.get("page") or "")),
                    quote=str(form.get("quote") or ""),
                )
            elif action == "reply":
                made = await comments.reply(
                    tx, actor, comment_id=int_param(request, "comment_id"), text=text
                )
            else:
                made = await comments.resolve(
                    tx,
                    actor,
                    comment_id=int_param(request, "comment_id"),
                    resolution=str(form.get("resolution") or ""),
                    response=str(form.get("response") or ""),
                )
    except (ValidationFailed, Conflict) as error:
        _ = gettext_for(locale_of(request))
        return await _comments_page(
            request, version_id, status=error.status, error=_(error.message, **error.params)
        )
    anchor = made.parent_id or made.id
    return RedirectResponse(f"/versions/{version_id}/comments#comment-{anchor}", status_code=303)


async def add_comment(request: Request) -> Response:
    return await _act(request, int_param(request, "version_id"), "add")


async def _version_of_comment(request: Request) -> int:
    async with db_of(request).read() as session:
        comment = await session.get(Comment, int_param(request, "comment_id"))
    if comment is None:
        raise ValidationFailed(
            "There is no comment with the number %(id)s.", id=int_param(request, "comment_id")
        )
    return comment.version_id


async def reply(request: Request) -> Response:
    return await _act(request, await _version_of_comment(request), "reply")


async def resolve(request: Request) -> Response:
    return await _act(request, await _version_of_comment(request), "resolve")


def routes() -> list[BaseRoute]:
    return [
        page("/versions/{version_id:int}/comments", comments_page, name="comments"),
        page(
            "/versions/{version_id:int}/comments", add_comment, methods=["POST"], name="add_comment"
        ),
        page("/comments/{comment_id:int}/reply", reply, methods=["POST"], name="reply"),
        page(
            "/comments/{comment_id:int}/resolve", resolve, methods=["POST"], name="resolve_comment"
        ),
    ]

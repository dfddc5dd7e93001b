"""JSON API for comments on drafts and the synthesis report."""

from __future__ import annotations

import asyncio
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from ..actions import comments
from ..errors import ValidationFailed
from ..i18n import gettext_for
from ..models import Comment, utcnow
from ..pdf import comments_report
from . import inputs
from .common import actor_of, db_of, int_param, json_body, settings_of
from .routing import api
from .templating import locale_of


def comment_json(comment: Comment) -> dict[str, Any]:
    return {"id": comment.id, "version": comment.version_id, "parent": comment.parent_id,
            "author": comment.author_id, "page": comment.page, "quote": comment.quote,
            "text": comment.text, "createdAt": comment.created_at.isoformat(),
            "resolution": comment.resolution, "response": comment.response,
            "resolvedBy": comment.resolved_by_id,
            "resolvedAt": comment.resolved_at.isoformat() if comment.resolved_at else None}


def page_of(body: dict[str, Any]) -> int | None:
    page = body.get("page")
    if page is None:
        return None
    if not inputs.is_id(page):
        raise ValidationFailed("The field %(field)s must be a whole number.", field="page")
    return page


async def list_comments(request: Request) -> Response:
    """The comment threads on one version of a draft, by page."""
    async with db_of(request).transaction() as tx:
        _target, threads = await comments.version_threads(tx, actor_of(request),
                                                          int_param(request, "version_id"))
    return JSONResponse({"threads": [{**comment_json(t.comment),
                                      "replies": [comment_json(r) for r in t.replies]}
                                     for t in threads]})


async def add_comment(request: Request) -> Response:
    """Comment on a version of a draft. Body: {"text", "page"?, "quote"?, "clientId"?} (the
    quoted passage is what the member selected; ``clientId``, the tablet's own id for a
    comment written offline: sent again, the first comment is answered with 200)."""
    body = await json_body(request)
    async with db_of(request).transaction() as tx:
        comment, created = await comments.add_comment_once(
            tx, actor_of(request), client_id=body.get("clientId"),
            version_id=int_param(request, "version_id"), text=inputs.text(body, "text"),
            page=page_of(body), quote=inputs.text(body, "quote"))
    return JSONResponse(comment_json(comment), status_code=201 if created else 200)


async def reply_to_comment(request: Request) -> Response:
    """Reply in a comment's thread. Body: {"text"}."""
    body = await json_body(request)
    async with db_of(request).transaction() as tx:
        comment = await comments.reply(tx, actor_of(request),
                                       comment_id=int_param(request, "comment_id"),
                                       text=inputs.text(body, "text"))
    return JSONResponse(comment_json(comment), status_code=201)


async def resolve_comment(request: Request) -> Response:
    """Answer a comment (secretariat or drafting agency).

    Body: {"resolution": "accepted" (tiếp thu) | "explained" (giải trình), "response"}.
    """
    body = await json_body(request)
    async with db_of(request).transaction() as tx:
        comment = await comments.resolve(
            tx, actor_of(request), comment_id=int_param(request, "comment_id"),
            resolution=inputs.text(body, "resolution"), response=inputs.text(body, "response"))
    return JSONResponse(comment_json(comment))


async def synthesis_report(request: Request) -> Response:
    """The synthesis report of the comments on a draft (PDF): every comment, who made it,
    and how it was answered."""
    async with db_of(request).transaction() as tx:
        report = await comments.synthesis(tx, actor_of(request),
                                          int_param(request, "document_id"))
    data = await asyncio.to_thread(comments_report.render, report,
                                   gettext_for(locale_of(request)),
                                   ZoneInfo(settings_of(request).time_zone), utcnow())
    return Response(data, media_type="application/pdf", headers={
        "content-disposition":
            f'inline; filename="document-{report.document.id}-comments.pdf"',
        "cache-control": "private, no-store"})


def routes() -> list[BaseRoute]:
    return [
        api("/api/versions/{version_id:int}/comments", list_comments),
        api("/api/versions/{version_id:int}/comments", add_comment, methods=["POST"]),
        api("/api/comments/{comment_id:int}/replies", reply_to_comment, methods=["POST"]),
        api("/api/comments/{comment_id:int}/resolution", resolve_comment, methods=["POST"]),
        api("/api/documents/{document_id:int}/comments/report.pdf", synthesis_report),
    ]

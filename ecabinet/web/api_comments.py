"""JSON API for comments on drafts and the synthesis report."""

from __future__ import annotations

import asyncio
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from ..actions import comments
from ..i18n import gettext_for
from ..models import Comment, utcnow
from ..pdf import comments_report
from .bodies import Body, Id, example, parsed, takes
from .common import actor_of, db_of, int_param, settings_of
from .routing import api
from .templating import locale_of


def comment_json(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.id,
        "version": comment.version_id,
        "parent": comment.parent_id,
        "author": comment.author_id,
        "page": comment.page,
        "quote": comment.quote,
        "text": comment.text,
        "createdAt": comment.created_at.isoformat(),
        "resolution": comment.resolution,
        "response": comment.response,
        "resolvedBy": comment.resolved_by_id,
        "resolvedAt": comment.resolved_at.isoformat() if comment.resolved_at else None,
    }


class NewComment(Body):
    """A comment, on a page and quoting the passage the member selected if they like."""

    model_config = example(
        {"text": "Đề nghị làm rõ khái niệm.", "page": 1, "quote": "cơ quan có thẩm quyền"}
    )
    text: str = ""
    page: Id | None = None
    quote: str = ""
    client_id: str | None = Field(
        None,
        alias="clientId",
        description="The tablet's own id "
        "for a comment written offline (8 to 64 of A-Z a-z 0-9 - _).",
    )


class Reply(Body):
    """A reply in the thread."""

    model_config = example({"text": "Đồng ý với ý kiến trên."})
    text: str = ""


class Resolution(Body):
    """How the comment is answered: accepted (tiếp thu) or explained (giải trình)."""

    model_config = example({"resolution": "accepted", "response": "Đã sửa tại khoản 2."})
    resolution: Literal["accepted", "explained"]
    response: str = ""


async def list_comments(request: Request) -> Response:
    """The comment threads on one version of a draft, by page."""
    async with db_of(request).transaction() as tx:
        _target, threads = await comments.version_threads(
            tx, actor_of(request), int_param(request, "version_id")
        )
    return JSONResponse(
        {
            "threads": [
                {**comment_json(t.comment), "replies": [comment_json(r) for r in t.replies]}
                for t in threads
            ]
        }
    )


@takes(NewComment)
async def add_comment(request: Request) -> Response:
    """Comment on a version of a draft. Body: {"text", "page"?, "quote"?, "clientId"?} (the
    quoted passage is what the member selected; ``clientId``, the tablet's own id for a
    comment written offline: sent again, the first comment is answered with 200)."""
    body = await parsed(request, NewComment)
    async with db_of(request).transaction() as tx:
        comment, created = await comments.add_comment_once(
            tx,
            actor_of(request),
            client_id=body.client_id,
            version_id=int_param(request, "version_id"),
            text=body.text,
            page=body.page,
            quote=body.quote,
        )
    return JSONResponse(comment_json(comment), status_code=201 if created else 200)


@takes(Reply)
async def reply_to_comment(request: Request) -> Response:
    """Reply in a comment's thread. Body: {"text"}."""
    body = await parsed(request, Reply)
    async with db_of(request).transaction() as tx:
        comment = await comments.reply(
            tx, actor_of(request), comment_id=int_param(request, "comment_id"), text=body.text
        )
    return JSONResponse(comment_json(comment), status_code=201)


@takes(Resolution)
async def resolve_comment(request: Request) -> Response:
    """Answer a comment (secretariat or drafting agency).

    Body: {"resolution": "accepted" (tiếp thu) | "explained" (giải trình), "response"}.
    """
    body = await parsed(request, Resolution)
    async with db_of(request).transaction() as tx:
        comment = await comments.resolve(
            tx,
            actor_of(request),
            comment_id=int_param(request, "comment_id"),
            resolution=body.resolution,
            response=body.response,
        )
    return JSONResponse(comment_json(comment))


async def synthesis_report(request: Request) -> Response:
    """The synthesis report of the comments on a draft (PDF): every comment, who made it,
    and how it was answered."""
    async with db_of(request).transaction() as tx:
        report = await comments.synthesis(tx, actor_of(request), int_param(request, "document_id"))
    data = await asyncio.to_thread(
        comments_report.render,
        report,
        gettext_for(locale_of(request)),
        ZoneInfo(settings_of(request).time_zone),
        utcnow(),
    )
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "content-disposition": f'inline; filename="document-{report.document.id}-comments.pdf"',
            "cache-control": "private, no-store",
        },
    )


def routes() -> list[BaseRoute]:
    return [
        api("/api/versions/{version_id:int}/comments", list_comments),
        api("/api/versions/{version_id:int}/comments", add_comment, methods=["POST"]),
        api("/api/comments/{comment_id:int}/replies", reply_to_comment, methods=["POST"]),
        api("/api/comments/{comment_id:int}/resolution", resolve_comment, methods=["POST"]),
        api("/api/documents/{document_id:int}/comments/report.pdf", synthesis_report),
    ]

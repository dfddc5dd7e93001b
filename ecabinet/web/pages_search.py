"""Search pages: ``/search`` for people, ``/api/search`` for programs. Both index what is
new first, then ask the database for what this reader may see, and nothing else."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from ..auth.permissions import ensure_signed_in
from ..documents.storage import store_for
from ..search import index
from ..search.query import Hit, search
from .common import actor_of, db_of, settings_of
from .page_helpers import page_tools
from .routing import api, page
from .templating import render

QUERY_LIMIT = 200


async def _hits(request: Request) -> tuple[str, list[Hit]]:
    actor = actor_of(request)
    ensure_signed_in(actor)
    query = request.query_params.get("q", "")[:QUERY_LIMIT].strip()
    if not query:
        return "", []
    settings = settings_of(request)
    db = db_of(request)
    await index.catch_up(db, store_for(settings.database_url, settings.data_dir))
    async with db.read() as session:
        return query, await search(session, actor, query)


def link_of(hit: Hit, query: str) -> str:
    entry = hit.entry
    if hit.kind == "comment":
        return f"/versions/{entry.version_id}/comments#comment-{entry.comment_id}"
    if hit.kind == "conclusion":
        return f"/meetings/{hit.meeting.id}#item-{hit.item.id}"
    if not hit.latest:
        return f"/versions/{entry.version_id}"
    page_number = entry.page or 1
    params = urlencode({"document": entry.document_id, "page": page_number, "find": query})
    return f"/meetings/{hit.meeting.id}/book?{params}#page={page_number}"


def hit_json(hit: Hit, query: str) -> dict[str, Any]:
    return {
        "kind": hit.kind,
        "meetingId": hit.meeting.id,
        "itemId": hit.item.id,
        "documentId": hit.entry.document_id,
        "versionId": hit.entry.version_id,
        "versionNumber": hit.version_number,
        "latest": hit.latest,
        "commentId": hit.entry.comment_id,
        "page": hit.entry.page,
        "title": hit.document.title if hit.document else hit.item.title,
        "snippet": hit.snippet,
        "url": link_of(hit, query),
    }


async def search_page(request: Request) -> Response:
    query, hits = await _hits(request)
    return render(
        request,
        "search.html",
        {**page_tools(request), "query": query, "hits": hits, "link_of": link_of},
    )


async def search_api(request: Request) -> Response:
    """Full-text search (``?q=``) over the documents, earlier versions, comments and
    conclusions the reader may see; words match without diacritics ("thue" finds "thuế")."""
    query, hits = await _hits(request)
    return JSONResponse({"query": query, "hits": [hit_json(hit, query) for hit in hits]})


def routes() -> list[BaseRoute]:
    return [
        page("/search", search_page, name="search"),
        api("/api/search", search_api, name="search_api"),
    ]

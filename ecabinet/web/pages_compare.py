"""Comparing two versions of a draft: the redline beside the change note, with the list of
changed pages."""

from __future__ import annotations

from pathlib import Path

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from ..actions import packets, reading
from ..actions.access import load_document
from ..actions.reading import Opened
from ..documents import redline, textlayer
from ..documents.storage import store_for
from ..errors import NotFound, ValidationFailed
from .common import actor_of, db_of, int_param, settings_of
from .inputs import positive_int
from .page_helpers import page_tools
from .routing import page
from .templating import render


async def _text(request: Request, opened: Opened) -> list[textlayer.PageText]:
    settings = settings_of(request)
    store = store_for(settings.database_url, settings.data_dir)
    sha256 = opened.version.sha256

    def work(path: Path) -> list[textlayer.PageText]:
        return textlayer.document_text(path, sha256)

    async with store.local_copy(db_of(request).read, sha256) as path:
        return await anyio.to_thread.run_sync(work, path)


async def compare_page(request: Request) -> Response:
    """``?from=`` and ``?to=`` are version numbers; by default the latest and the one
    before it."""
    actor = actor_of(request)
    db = db_of(request)
    async with db.read() as session:
        document = await load_document(session, int_param(request, "document_id"))
        versions = await packets.versions_of(session, document.id)
        by_number = {version.number: version for version in versions}
        newest = positive_int(request.query_params.get("to")) or (
            versions[-1].number if versions else 0
        )
        oldest = positive_int(request.query_params.get("from")) or newest - 1
        if oldest not in by_number or newest not in by_number:
            raise NotFound(
                "This document has no versions %(a)s and %(b)s to compare.", a=oldest, b=newest
            )
        if oldest == newest:
            raise ValidationFailed("Choose two different versions to compare.")
        old = await reading.open_version(session, actor, by_number[oldest].id or 0)
        new = await reading.open_version(session, actor, by_number[newest].id or 0)
    if not (old.version.page_count and new.version.page_count):
        raise ValidationFailed("Only versions that are PDFs can be compared.")
    result = redline.compare(await _text(request, old), await _text(request, new))
    async with db.transaction() as tx:
        for opened in (old, new):
            await reading.record(
                tx,
                actor,
                opened,
                "document.compared",
                against=new.version.number if opened is old else old.version.number,
            )
    return render(
        request,
        "compare.html",
        {
            **page_tools(request),
            "document": document,
            "old": old.version,
            "new": new.version,
            "versions": versions,
            "redline": result,
            "meeting": old.access.meeting,
        },
    )


def routes() -> list[BaseRoute]:
    return [page("/documents/{document_id}/compare", compare_page, name="compare")]

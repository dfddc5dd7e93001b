"""JSON API: the text of a version's pages with its positions (the reader's text layer)
and the plain text of every page (finding words in the document)."""

from __future__ import annotations

from pathlib import Path

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from ..actions import reading
from ..actions.reading import Opened
from ..documents import textlayer
from ..documents.storage import store_for
from ..errors import NotFound
from ..vocab import Classification
from .common import actor_of, db_of, int_param, settings_of
from .routing import api

# Copying out of the reader is offered up to internal documents; a classified text is
# read, searched and quoted in comments inside e-Cabinet only. A deterrent, not a lock:
# what is on the screen can always be retyped.
COPYABLE_UP_TO = Classification.INTERNAL


async def _opened_pdf(request: Request) -> Opened:
    async with db_of(request).read() as session:
        opened = await reading.open_version(
            session, actor_of(request), int_param(request, "version_id")
        )
    if not opened.version.page_count:
        raise NotFound("This version has no pages to show: it is not a PDF.")
    return opened


async def _with_file(request: Request, opened: Opened, work: object) -> object:
    settings = settings_of(request)
    store = store_for(settings.database_url, settings.data_dir)
    async with store.local_copy(db_of(request).read, opened.version.sha256) as path:
        return await anyio.to_thread.run_sync(work, path)  # type: ignore[arg-type]


async def page_text(request: Request) -> Response:
    """Page ``n``'s lines: text, box (left, top, width, height as fractions of the page) and
    each character's left edge, for the transparent text layer over the page image."""
    opened = await _opened_pdf(request)
    version, number = opened.version, int_param(request, "page")
    if not 1 <= number <= (version.page_count or 0):
        raise NotFound("This document has pages 1 to %(count)s.", count=version.page_count)

    def work(path: Path) -> textlayer.PageText:
        return textlayer.page_text(path, version.sha256, number)

    page = await _with_file(request, opened, work)
    assert isinstance(page, textlayer.PageText)
    if opened.classified:
        await _audit(request, opened, page=number)
    return JSONResponse(
        {
            "page": number,
            "lines": [line.as_json() for line in page.lines],
            "copyable": opened.document.classification <= COPYABLE_UP_TO,
        },
        headers={"cache-control": "private, no-store"},
    )


async def document_text(request: Request) -> Response:
    """Every page's lines of text (no positions), to find words anywhere in the document."""
    opened = await _opened_pdf(request)
    version = opened.version

    def work(path: Path) -> list[textlayer.PageText]:
        return textlayer.document_text(path, version.sha256)

    pages = await _with_file(request, opened, work)
    assert isinstance(pages, list)
    if opened.classified:
        await _audit(request, opened, page=None)
    return JSONResponse(
        {"pages": [[line.text for line in page.lines] for page in pages]},
        headers={"cache-control": "private, no-store"},
    )


async def _audit(request: Request, opened: Opened, *, page: int | None) -> None:
    # Every look into a classified document is on the record, its text as its images.
    async with db_of(request).transaction() as tx:
        await reading.record(tx, actor_of(request), opened, "document.text_viewed", page=page)


def routes() -> list[BaseRoute]:
    return [
        api(
            "/api/versions/{version_id}/pages/{page}/text.json", page_text, name="version_page_text"
        ),
        api("/api/versions/{version_id}/text.json", document_text, name="version_text"),
    ]

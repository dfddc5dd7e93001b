"""JSON API: the reader's own marks on a version (highlights, notes, ink) and private
notes on an agenda item."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import anyio
from pydantic import Field, StrictInt
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from ..actions import annotations as marking
from ..actions import reading
from ..actions.reading import Opened
from ..documents import textlayer
from ..documents.storage import store_for
from ..models import Annotation
from .bodies import Body, example, parsed, takes
from .common import actor_of, db_of, int_param, settings_of
from .routing import api


class NewMark(Body):
    """A highlight (its quote and rects), a note (its text, x and y) or ink (strokes);
    positions are fractions of the page."""

    model_config = example(
        {"kind": "note", "page": 1, "text": "Hỏi lại Sở Tài chính.", "shape": {"x": 0.5, "y": 0.25}}
    )
    kind: Literal["highlight", "note", "ink"]
    page: StrictInt = 0
    quote: str = ""
    text: str = ""
    shape: Any = None
    client_id: str | None = Field(
        None,
        alias="clientId",
        description="The tablet's own id for a mark made offline (8 to 64 of A-Z a-z 0-9 - _).",
    )


class ItemNote(Body):
    """My private note on the item (it replaces the one before)."""

    model_config = example({"text": "Hỏi về nguồn vốn."})
    text: str = ""


def annotation_json(mark: Annotation) -> dict[str, Any]:
    return {
        "id": mark.id,
        "kind": mark.kind,
        "page": mark.page,
        "quote": mark.quote,
        "text": mark.text,
        "shape": mark.shape,
        "carry": mark.carry,
        "carriedFrom": mark.carried_from_id,
        "versionId": mark.version_id,
        "clientId": mark.client_id,
    }


async def _opened(request: Request) -> Opened:
    async with db_of(request).read() as session:
        return await reading.open_version(
            session, actor_of(request), int_param(request, "version_id")
        )


def _pages_of(request: Request, opened: Opened) -> marking.PagesLoader:
    async def load() -> Sequence[textlayer.PageText]:
        if not opened.version.page_count:
            return []
        settings = settings_of(request)
        store = store_for(settings.database_url, settings.data_dir)
        async with store.local_copy(db_of(request).read, opened.version.sha256) as path:
            return await anyio.to_thread.run_sync(
                textlayer.document_text, path, opened.version.sha256
            )

    return load


async def list_marks(request: Request) -> Response:
    """My marks on this version, with those carried over from earlier versions (``carry``:
    "found", or "not_found" when the quoted text is no longer in this version)."""
    opened = await _opened(request)
    async with db_of(request).transaction() as tx:
        marks = await marking.mine(tx, actor_of(request), opened, _pages_of(request, opened))
    return JSONResponse({"annotations": [annotation_json(mark) for mark in marks]})


@takes(NewMark)
async def add_mark(request: Request) -> Response:
    """Add a mark. JSON: kind (highlight, note, ink), page, quote (a highlight's text),
    text (a note's), shape (rects, x and y, or strokes, as fractions of the page),
    clientId (optional, the tablet's id for a mark made offline: sent again, the first
    mark is answered with 200)."""
    body = await parsed(request, NewMark)
    opened = await _opened(request)
    async with db_of(request).transaction() as tx:
        mark, created = await marking.add(
            tx,
            actor_of(request),
            opened,
            kind=body.kind,
            page=body.page,
            quote=body.quote,
            text=body.text,
            shape=body.shape,
            client_id=body.client_id,
        )
    return JSONResponse(annotation_json(mark), status_code=201 if created else 200)


async def remove_mark(request: Request) -> Response:
    """Remove one of my marks."""
    async with db_of(request).transaction() as tx:
        await marking.remove(tx, actor_of(request), int_param(request, "annotation_id"))
    return Response(status_code=204)


async def get_item_note(request: Request) -> Response:
    """My private note on an agenda item."""
    async with db_of(request).read() as session:
        text = await marking.item_note(session, actor_of(request), int_param(request, "item_id"))
    return JSONResponse({"text": text})


@takes(ItemNote)
async def put_item_note(request: Request) -> Response:
    """Replace my private note on an agenda item. JSON: text."""
    body = await parsed(request, ItemNote)
    async with db_of(request).transaction() as tx:
        note = await marking.save_item_note(
            tx, actor_of(request), int_param(request, "item_id"), body.text
        )
    return JSONResponse({"text": note.text, "updatedAt": note.updated_at.isoformat()})


def routes() -> list[BaseRoute]:
    return [
        api("/api/versions/{version_id}/annotations", list_marks, name="annotations"),
        api(
            "/api/versions/{version_id}/annotations",
            add_mark,
            methods=["POST"],
            name="add_annotation",
        ),
        api(
            "/api/annotations/{annotation_id}",
            remove_mark,
            methods=["DELETE"],
            name="remove_annotation",
        ),
        api("/api/items/{item_id}/note", get_item_note, name="item_note"),
        api("/api/items/{item_id}/note", put_item_note, methods=["PUT"], name="save_item_note"),
    ]

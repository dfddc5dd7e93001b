"""Handing out document bytes: whole files (ranges, ETags), rendered pages, and stamped
copies of classified documents. Each send is audited; a 304 sends nothing and is not."""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, TypeVar
from zoneinfo import ZoneInfo

import anyio
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Message, Receive, Scope, Send

from .. import audit
from ..actions import reading
from ..actions.presenting import Shown
from ..actions.reading import Opened
from ..auth.actor import Actor
from ..documents import delivery, rendering, watermark
from ..documents.storage import BlobStore, store_for
from ..errors import NotFound, TooCostly
from ..models import utcnow
from ..settings import Settings
from ..vocab import Classification
from ..workers import JobFailed, WorkerPool
from . import inputs
from .common import actor_of, db_of, int_param, settings_of

T = TypeVar("T")
PageKey = tuple[str, int, int]
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg"}
REFUSED_PAGES_KEPT = 512
log = logging.getLogger(__name__)
_rendering: dict[PageKey, asyncio.Future[bytes]] = {}
_refused_pages: OrderedDict[tuple[str, int], TooCostly] = OrderedDict()


def _store(settings: Settings) -> BlobStore:
    return store_for(settings.database_url, settings.data_dir)


def stamp_for(actor: Actor, settings: Settings, now: datetime | None = None) -> watermark.Stamp:
    local = (now or utcnow()).astimezone(ZoneInfo(settings.time_zone))
    offset = local.strftime("%z")
    when = f"{local:%d/%m/%Y %H:%M} (UTC{offset[:3]}:{offset[3:]})"
    assert actor.person is not None
    return watermark.Stamp(actor.person.full_name, when, watermark.new_code())


async def _opened(request: Request) -> Opened:
    async with db_of(request).read() as session:
        return await reading.open_version(
            session, actor_of(request), int_param(request, "version_id")
        )


async def _record(request: Request, opened: Opened, kind: str, **data: object) -> None:
    async with db_of(request).transaction() as tx:
        await reading.record(tx, actor_of(request), opened, kind, **data)  # type: ignore[arg-type]


async def version_file(request: Request) -> Response:
    """The bytes of a version. ETag, If-None-Match and single-range Range requests are
    honoured; ``?download=1`` asks for an attachment. A classified document comes as a
    copy stamped on every page with the reader's name, the time and a code."""
    opened = await _opened(request)
    settings = settings_of(request)
    version = opened.version
    attachment = (
        request.query_params.get("download") == "1" or version.media_type not in INLINE_TYPES
    )
    headers = {"content-disposition": delivery.disposition(version.filename, attachment=attachment)}
    if opened.classified:
        return await _stamped_copy(request, opened, headers)
    response = delivery.blob_response(
        request,
        _store(settings),
        db_of(request).read_one,
        sha256=version.sha256,
        size=version.size,
        media_type=version.media_type,
        etag=f'"{version.sha256}"',
        headers=headers,
    )
    if response.status_code in (200, 206) and request.method == "GET":
        return RecordedBeforeLastByte(
            response,
            lambda: _record(
                request,
                opened,
                "document.downloaded",
                range=request.headers.get("range"),
                purpose=_purpose(request),
            ),
        )
    return response


_background: set[asyncio.Task[None]] = set()


def _in_background(work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
    # Kept referenced until done: a tablet that hangs up does not cancel the record.
    task = asyncio.get_running_loop().create_task(work)
    _background.add(task)
    task.add_done_callback(_background.discard)
    return task


class RecordedBeforeLastByte(Response):
    """The bytes of an unclassified document go out at once; the download's audit event
    and reading row are committed beside them, started once the first piece is out (so
    that under a burst of tablets the records take neither CPU nor a pooled connection
    from the next tablet's first byte); the piece that completes the answer waits for
    that commit. If the commit fails the answer is cut short (the tablet holds an
    incomplete file and asks again) and the error is logged: no complete copy leaves
    without its record, and none waits for the database's write lock to start. An answer
    cut short before its first piece is recorded all the same."""

    def __init__(self, inner: Response, record: Callable[[], Coroutine[Any, Any, None]]) -> None:
        self.inner, self.record = inner, record
        self.recording: asyncio.Task[None] | None = None
        self.status_code, self.raw_headers = inner.status_code, inner.raw_headers
        self.background = None

    def _recording(self) -> asyncio.Task[None]:
        if self.recording is None:
            self.recording = _in_background(self.record())
        return self.recording

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        expected: int | None = None
        sent = 0

        async def gated(message: Message) -> None:
            nonlocal expected, sent
            if message["type"] == "http.response.start":
                length = MutableHeaders(raw=message["headers"]).get("content-length")
                expected = int(length) if length is not None else None
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
                completes = not message.get("more_body", False) or (
                    expected is not None and sent >= expected
                )
                if completes:
                    recording = self._recording()
                    if not recording.done():
                        await asyncio.shield(recording)
                    recording.result()  # a failed record cuts the answer short
            await send(message)
            if message["type"] == "http.response.body":
                self._recording()

        try:
            await self.inner(scope, receive, gated)
        finally:
            self._recording()
            # Cut short, the bytes' reader (a database session on PostgreSQL) is closed
            # now rather than whenever the garbage collector finds it.
            close = getattr(getattr(self.inner, "body_iterator", None), "aclose", None)
            if close is not None:
                await close()


def _purpose(request: Request) -> str:
    # The service worker marks what it fetches to keep the packet offline.
    return "offline" if request.headers.get("x-ecabinet-offline") == "1" else "read"


async def _stamped_copy(request: Request, opened: Opened, headers: dict[str, str]) -> Response:
    settings = settings_of(request)
    pages = opened.version.page_count or 0
    if pages > settings.watermark_max_pages:
        raise TooCostly(
            "This classified document has %(pages)s pages; a stamped copy can be made of at "
            "most %(limit)s pages at a time. Read it page by page in the viewer, or ask the "
            "secretariat for the document in shorter parts.",
            pages=pages,
            limit=settings.watermark_max_pages,
        )
    stamp = stamp_for(actor_of(request), settings)
    async with _store(settings).local_copy(
        db_of(request).read_one, opened.version.sha256
    ) as source:
        handle = await _stamped_file(request, source, stamp)
    try:
        await _record(
            request,
            opened,
            "document.downloaded",
            code=stamp.code,
            watermark=stamp.line,
            purpose=_purpose(request),
        )
    except BaseException:
        handle.close()
        raise
    size = os.fstat(handle.fileno()).st_size
    return StreamingResponse(
        _drain(handle),
        media_type="application/pdf",
        headers={
            **headers,
            "content-length": str(size),
            "cache-control": delivery.PRIVATE_NO_STORE,
        },
    )


async def _stamped_file(request: Request, source: Path, stamp: watermark.Stamp) -> BinaryIO:
    """The stamped copy, made by a worker, as an open file that is already unlinked: its
    bytes stay readable through the handle, and nothing of it is left on disk whatever
    becomes of the connection."""
    settings = settings_of(request)
    target = await anyio.to_thread.run_sync(_temporary, settings.upload_dir)
    try:
        await _work(
            request,
            watermark.stamp_pdf,
            source,
            target,
            stamp,
            seconds=settings.watermark_timeout_seconds,
        )
        return await anyio.to_thread.run_sync(_open_unlinked, target)
    finally:
        await anyio.to_thread.run_sync(lambda: target.unlink(missing_ok=True))


def _temporary(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=directory, prefix="stamped-")
    os.close(fd)
    return Path(name)


def _open_unlinked(path: Path) -> BinaryIO:
    handle = path.open("rb")
    path.unlink()
    return handle


async def _work(
    request: Request,
    function: Callable[..., T],
    *args: Any,
    seconds: int,
    still_wanted: Callable[[], None] | None = None,
) -> T:
    """A job in the render pool, one at a time per person."""
    pool: WorkerPool = request.app.state.render_pool
    try:
        return await pool.run(
            function,
            *args,
            seconds=seconds,
            key=actor_of(request).person_id,
            still_wanted=still_wanted,
        )
    except JobFailed as failed:
        log.warning("a document job failed: %r", failed.cause)
        raise TooCostly(
            "This page could not be drawn: the PDF is damaged in a way the "
            "viewer cannot read. Ask the secretariat to export it again."
        ) from None


async def _drain(handle: BinaryIO) -> AsyncIterator[bytes]:
    file = anyio.wrap_file(handle)
    try:
        while piece := await file.read(64 * 1024):
            yield piece
    finally:
        await file.aclose()


async def page_image(request: Request) -> Response:
    """Page ``n`` of a PDF version as a PNG, ``?w=`` pixels wide (600 to 2000). Classified
    pages carry the reader's stamp and are audited one by one."""
    opened = await _opened(request)
    version, number = opened.version, int_param(request, "page")
    if not version.page_count:
        raise NotFound("This version has no pages to show: it is not a PDF.")
    if not 1 <= number <= version.page_count:
        raise NotFound("This document has pages 1 to %(count)s.", count=version.page_count)
    width = rendering.nearest_width(inputs.positive_int(request.query_params.get("w")))
    if opened.classified:
        return await _stamped_page(request, opened, number, width)
    etag = f'"{version.sha256}-p{number}-w{width}-r{rendering.RENDERER_VERSION}"'
    if delivery.etag_matches(request.headers.get("if-none-match"), etag):
        return delivery.not_modified(etag, delivery.PRIVATE_REVALIDATE)
    png = await _rendered(request, version.sha256, number, width)
    return Response(
        png,
        media_type="image/png",
        headers={"etag": etag, "cache-control": delivery.PRIVATE_REVALIDATE},
    )


async def _rendered(request: Request, sha256: str, number: int, width: int) -> bytes:
    """From the cache, or rendered once however many tablets ask at the same moment."""
    key = (sha256, number, width)
    cached = rendering.PAGES.get(key)
    if cached is not None:
        return cached
    _check_not_refused(key)
    pending = _rendering.get(key)
    if pending is not None:
        return await asyncio.shield(pending)
    future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
    _rendering[key] = future
    try:
        settings = settings_of(request)
        async with _store(settings).local_copy(db_of(request).read_one, sha256) as path:
            png = await _render_job(
                request, key, rendering.page_png, path, number, width, settings.render_max_pixels
            )
        rendering.PAGES.put(key, png)
        future.set_result(png)
        return png
    except BaseException as exc:
        future.set_exception(exc)
        future.exception()  # consumed here, so an unawaited future logs nothing
        raise
    finally:
        del _rendering[key]


async def _render_job(
    request: Request, key: PageKey, function: Callable[..., bytes], *args: Any
) -> bytes:
    """A page job; a page refused as too costly is remembered, so that asking again is
    refused at once instead of costing a worker its full time again."""
    try:
        return await _work(
            request,
            function,
            *args,
            seconds=settings_of(request).render_timeout_seconds,
            still_wanted=lambda: _check_not_refused(key),
        )
    except TooCostly as refused:
        _refused_pages[key[:2]] = refused
        while len(_refused_pages) > REFUSED_PAGES_KEPT:
            _refused_pages.popitem(last=False)
        raise


def _check_not_refused(key: PageKey) -> None:
    # At any width: a page too costly at one width is as costly at the next.
    refused = _refused_pages.get(key[:2])
    if refused is not None:
        raise TooCostly(refused.message, **refused.params)


async def _stamped_page(request: Request, opened: Opened, number: int, width: int) -> Response:
    settings = settings_of(request)
    key = (opened.version.sha256, number, width)
    _check_not_refused(key)
    stamp = stamp_for(actor_of(request), settings)
    async with _store(settings).local_copy(db_of(request).read_one, opened.version.sha256) as path:
        png = await _render_job(
            request,
            key,
            rendering.stamped_page_png,
            path,
            number,
            width,
            settings.render_max_pixels,
            stamp,
        )
    await _record(
        request, opened, "document.page_viewed", code=stamp.code, page=number, watermark=stamp.line
    )
    return Response(
        png, media_type="image/png", headers={"cache-control": delivery.PRIVATE_NO_STORE}
    )


async def presented_page(
    request: Request, screen: str, presented: Shown, number: int, width: int
) -> Response:
    """The page being presented, as a room display draws it (actions/presenting.py decided
    it may). A classified page the body lets its displays show carries the display's
    name as its reader, and is audited."""
    version = presented.version
    if presented.document.classification < Classification.MAT:
        png = await _rendered(request, version.sha256, number, width)
        return Response(
            png, media_type="image/png", headers={"cache-control": delivery.PRIVATE_NO_STORE}
        )
    settings = settings_of(request)
    local = utcnow().astimezone(ZoneInfo(settings.time_zone))
    stamp = watermark.Stamp(screen, f"{local:%d/%m/%Y %H:%M}", watermark.new_code())
    async with _store(settings).local_copy(db_of(request).read_one, version.sha256) as path:
        png = await _render_job(
            request,
            (version.sha256, number, width),
            rendering.stamped_page_png,
            path,
            number,
            width,
            settings.render_max_pixels,
            stamp,
        )
    async with db_of(request).transaction() as tx:
        await audit.record(
            tx.session,
            "document.page_viewed",
            body_id=presented.document.body_id,
            subject=f"mark:{stamp.code}",
            document_id=presented.document.id,
            version_id=version.id,
            version=version.number,
            classification=presented.document.classification,
            page=number,
            watermark=stamp.line,
            display=screen,
        )
    return Response(
        png, media_type="image/png", headers={"cache-control": delivery.PRIVATE_NO_STORE}
    )

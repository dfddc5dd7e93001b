"""The book of the meeting as one PDF for the reader who asks: bound by a render worker
(so a large packet holds one worker of that person, within its time and memory), each
classified document stamped with the reader's name and audited under its code."""

from __future__ import annotations

import os
from contextlib import AsyncExitStack
from pathlib import Path
from zoneinfo import ZoneInfo

import anyio
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute

from ..actions import packet_book
from ..actions.access import load_meeting
from ..documents import delivery
from ..documents.watermark import Stamp
from ..i18n import content_for, gettext_for
from ..labels import CLASSIFICATION
from ..models import utcnow
from ..pdf import packet_book as binding
from ..pdf.report_kit import local
from ..vocab import Classification
from .common import actor_of, db_of, int_param, settings_of
from .delivery_views import _drain, _open_unlinked, _store, _temporary, _work, stamp_for
from .routing import page
from .templating import locale_of


async def book_pdf(request: Request) -> Response:
    actor, db, settings = actor_of(request), db_of(request), settings_of(request)
    async with db.read() as session:
        meeting = await load_meeting(session, int_param(request, "meeting_id"))
        contents = await packet_book.contents_of(
            session,
            actor,
            meeting,
            max_pages=settings.upload_max_pages,
            max_stamped_pages=settings.watermark_max_pages,
        )
    stamps = {
        entry.document.id or 0: stamp_for(actor, settings)
        for entry in contents.bound
        if entry.classified
    }
    target = await anyio.to_thread.run_sync(_temporary, settings.upload_dir)
    try:
        async with AsyncExitStack() as files:
            paths: dict[str, Path] = {}
            for entry in contents.bound:
                assert entry.version is not None
                sha = entry.version.sha256
                if sha not in paths:
                    paths[sha] = await files.enter_async_context(
                        _store(settings).local_copy(db.read, sha)
                    )
            cover, chapters = _plan(request, contents, paths, stamps)
            await _work(
                request,
                binding.compile_book,
                cover,
                chapters,
                target,
                seconds=settings.watermark_timeout_seconds,
            )
        handle = await anyio.to_thread.run_sync(_open_unlinked, target)
    finally:
        await anyio.to_thread.run_sync(lambda: target.unlink(missing_ok=True))
    try:
        async with db.transaction() as tx:
            await packet_book.record_download(
                tx, actor, contents, {key: (s.code, s.line) for key, s in stamps.items()}
            )
    except BaseException:
        handle.close()
        raise
    size = os.fstat(handle.fileno()).st_size
    name = f"meeting-{meeting.id}-book.pdf"
    return StreamingResponse(
        _drain(handle),
        media_type="application/pdf",
        headers={
            "content-disposition": delivery.disposition(name, attachment=True),
            "content-length": str(size),
            "cache-control": delivery.PRIVATE_NO_STORE,
        },
    )


def _plan(
    request: Request,
    contents: packet_book.Contents,
    paths: dict[str, Path],
    stamps: dict[int, Stamp],
) -> tuple[binding.Cover, tuple[binding.Chapter, ...]]:
    locale = locale_of(request)
    _, content = gettext_for(locale), content_for(locale)
    settings = settings_of(request)
    view = contents.view
    reader = actor_of(request).person
    assert reader is not None
    level = contents.level
    chapters = []
    for item, entries in contents.chapters:
        parts = []
        for entry in entries:
            version = entry.version
            parts.append(
                binding.Part(
                    title=content(entry.document, "title"),
                    level=_(CLASSIFICATION[Classification(entry.document.classification)]),
                    path=paths[version.sha256] if version else None,
                    stamp=stamps.get(entry.document.id or 0),
                    note="" if version else _("not a PDF: download it from the book"),
                )
            )
        chapters.append(
            binding.Chapter(
                _("Item %(n)s", n=item.item.ordinal) + ". " + content(item.item, "title"),
                tuple(parts),
            )
        )
    when = local(view.meeting.starts_at, ZoneInfo(settings.time_zone))
    if view.meeting.place:
        when = f"{when} · {view.meeting.place}"
    cover = binding.Cover(
        body=content(view.body, "name"),
        title=_("Book of the meeting"),
        meeting=content(view.meeting, "title"),
        when=when,
        reader=_("Prepared for %(name)s", name=reader.full_name),
        classification=_(
            "Classification: %(level)s", level=_(CLASSIFICATION[Classification(level)])
        ),
        warning=_(
            "Each classified document in this book carries your name, the time and a "
            "code on every page; this copy is recorded."
        )
        if level >= Classification.MAT
        else "",
        made=_("Made on %(when)s.", when=local(utcnow(), ZoneInfo(settings.time_zone))),
        contents=_("Contents"),
        page_column=_("Page"),
        document_column=_("Item and document"),
        page_label=_("Page %(n)s", n="%(n)s"),
    )
    return cover, tuple(chapters)


def routes() -> list[BaseRoute]:
    return [page("/meetings/{meeting_id}/book.pdf", book_pdf, name="book_pdf")]

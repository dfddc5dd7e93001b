"""What goes into a reader's book of the meeting (one PDF of the packet), decided by the
same packet view as every page (``packets.meeting_view``: the reader's items, documents at
or below the seat's clearance, nothing recalled), the page budgets it must fit, and the
audit of the download."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from .. import audit
from ..auth.actor import Actor
from ..db import Tx
from ..errors import TooCostly
from ..models import Meeting
from ..vocab import Classification
from .packet_rows import DocumentRow, VersionRow
from .packets import ItemView, MeetingView, meeting_view
from .reading import Opened, record


@dataclass(frozen=True)
class Entry:
    document: DocumentRow
    # None: the reader may see it, but it has no pages to bind (not a PDF).
    version: VersionRow | None

    @property
    def classified(self) -> bool:
        return self.document.classification >= Classification.MAT


@dataclass(frozen=True)
class Contents:
    view: MeetingView
    chapters: list[tuple[ItemView, list[Entry]]]

    @property
    def bound(self) -> list[Entry]:
        return [entry for _, entries in self.chapters for entry in entries if entry.version]

    @property
    def level(self) -> int:
        """The book's classification: its most classified document."""
        return max(
            (entry.document.classification for entry in self.bound), default=Classification.PUBLIC
        )


async def contents_of(
    db: AsyncSession, actor: Actor, meeting: Meeting, *, max_pages: int, max_stamped_pages: int
) -> Contents:
    """The items the reader sees, each with the documents they may open now (latest
    version); refused when the book would pass the page budgets."""
    view = await meeting_view(db, actor, meeting)
    chapters = []
    for item in view.items:
        entries = [
            Entry(d.document, d.latest if d.latest and d.latest.page_count else None)
            for d in item.documents
            if d.readable and not d.recalled and d.latest is not None
        ]
        chapters.append((item, entries))
    contents = Contents(view, chapters)
    pages = sum(entry.version.page_count or 0 for entry in contents.bound if entry.version)
    if pages > max_pages:
        raise TooCostly(
            "The book of this meeting would have %(pages)s pages; one book binds "
            "at most %(limit)s. Read or download the documents one by one.",
            pages=pages,
            limit=max_pages,
        )
    stamped = sum(
        entry.version.page_count or 0
        for entry in contents.bound
        if entry.version and entry.classified
    )
    if stamped > max_stamped_pages:
        raise TooCostly(
            "The classified documents of this meeting have %(pages)s pages; one "
            "download stamps at most %(limit)s. Read them in the viewer, or "
            "download them one by one.",
            pages=stamped,
            limit=max_stamped_pages,
        )
    return contents


async def record_download(
    tx: Tx, actor: Actor, contents: Contents, codes: dict[int, tuple[str, str]]
) -> None:
    """One event for the book, and one per bound document as for its own download; a
    classified one under the code printed on its pages (``codes``: document id -> code
    and stamped line), so that ``resolve_mark`` finds this copy."""
    meeting = contents.view.meeting
    await audit.record(
        tx.session,
        "meeting.book_downloaded",
        actor_id=actor.person_id,
        body_id=meeting.body_id,
        subject=f"meeting:{meeting.id}",
        documents=[
            [entry.document.id, entry.version.number] for entry in contents.bound if entry.version
        ],
        classification=contents.level,
    )
    for entry in contents.bound:
        assert entry.version is not None and entry.document.id is not None
        opened = Opened(contents.view.access, entry.document, entry.version)
        mark = codes.get(entry.document.id)
        if mark is None:
            await record(tx, actor, opened, "document.downloaded", purpose="book")
        else:
            await record(
                tx,
                actor,
                opened,
                "document.downloaded",
                code=mark[0],
                watermark=mark[1],
                purpose="book",
            )

"""The meeting packet as one PDF for one reader: a cover, a table of contents with page
numbers, then each document's pages, with bookmarks per agenda item and per document.
Classified documents are stamped with the reader's name (``documents.watermark``).

``compile_book`` is a worker job (``ecabinet.workers``): it opens untrusted PDFs. Every
text is given already translated, so the job needs no catalogue.
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Spacer

from ..documents.watermark import Stamp, stamp_pdf
from .fonts import nfc
from .report_kit import Gettext, build, grid, para


@dataclass(frozen=True)
class Part:
    """One document. ``path`` None: listed in the contents only, with ``note`` saying why."""

    title: str
    level: str
    path: Path | None
    stamp: Stamp | None = None
    note: str = ""


@dataclass(frozen=True)
class Chapter:
    heading: str
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class Cover:
    body: str
    title: str
    meeting: str
    when: str
    reader: str
    classification: str
    warning: str
    made: str
    contents: str
    page_column: str
    document_column: str
    page_label: str  # with "%(n)s"


def compile_book(cover: Cover, chapters: tuple[Chapter, ...], target: Path) -> int:
    """Write the book to ``target`` and return its number of pages (blocking)."""
    with tempfile.TemporaryDirectory(dir=target.parent, prefix="book-") as scratch:
        sources = _sources(chapters, Path(scratch))
        counts = {key: len(PdfReader(path).pages) for key, path in sources.items()}
        front = _front_matter(cover, chapters, counts)
        writer = PdfWriter()
        writer.append(io.BytesIO(front.data), import_outline=False)
        for key in sorted(sources):
            writer.append(str(sources[key]), import_outline=False)
        # Bookmarks once every page is in: a bookmark to a page not yet added has no target.
        writer.add_outline_item(title=nfc(cover.contents), page_number=1 if front.pages > 1 else 0)
        for index, chapter in enumerate(chapters):
            parent = writer.add_outline_item(
                title=nfc(chapter.heading), page_number=front.starts[(index, -1)]
            )
            for number, part in enumerate(chapter.parts):
                if (index, number) in sources:
                    writer.add_outline_item(
                        title=nfc(part.title),
                        page_number=front.starts[(index, number)],
                        parent=parent,
                    )
        writer.add_metadata(
            {"/Title": nfc(f"{cover.title} · {cover.meeting}"), "/Author": "e-Cabinet"}
        )
        with target.open("wb") as handle:
            writer.write(handle)
        return len(writer.pages)


def _sources(chapters: tuple[Chapter, ...], scratch: Path) -> dict[tuple[int, int], Path]:
    """The file to insert for each included document: a stamped copy when classified."""
    sources: dict[tuple[int, int], Path] = {}
    for index, chapter in enumerate(chapters):
        for number, part in enumerate(chapter.parts):
            if part.path is None:
                continue
            if part.stamp is None:
                sources[(index, number)] = part.path
                continue
            stamped = scratch / f"{index}-{number}.pdf"
            stamp_pdf(part.path, stamped, part.stamp)
            sources[(index, number)] = stamped
    return sources


@dataclass(frozen=True)
class _Front:
    data: bytes
    pages: int
    # (chapter, part) -> the page index (from 0) where it starts; (chapter, -1) is the
    # item's own bookmark: its first document with pages, else the contents.
    starts: dict[tuple[int, int], int]


def _front_matter(
    cover: Cover, chapters: tuple[Chapter, ...], counts: dict[tuple[int, int], int]
) -> _Front:
    """The cover and the contents. The contents' own length moves every page number, so
    it is laid out until its length stops changing (twice, in practice)."""
    pages = 2
    for _ in range(5):
        starts = _starts(chapters, counts, pages)
        data = _front_pdf(cover, chapters, starts)
        made = len(PdfReader(io.BytesIO(data)).pages)
        if made == pages:
            break
        pages = made
    return _Front(data, pages, starts)


def _starts(
    chapters: tuple[Chapter, ...], counts: dict[tuple[int, int], int], first: int
) -> dict[tuple[int, int], int]:
    starts: dict[tuple[int, int], int] = {}
    page = first
    for index, chapter in enumerate(chapters):
        for number, _part in enumerate(chapter.parts):
            if (index, number) in counts:
                starts[(index, number)] = page
                page += counts[(index, number)]
    for index, chapter in enumerate(chapters):
        # The item's bookmark goes to its first document with pages, else the contents.
        included = [starts[(index, n)] for n in range(len(chapter.parts)) if (index, n) in starts]
        starts[(index, -1)] = included[0] if included else 1
    return starts


def _front_pdf(
    cover: Cover, chapters: tuple[Chapter, ...], starts: dict[tuple[int, int], int]
) -> bytes:
    story: list[Flowable] = [
        Spacer(1, 30 * mm),
        para(cover.body.upper(), "agency"),
        Spacer(1, 12 * mm),
        para(cover.title, "title"),
        para(cover.meeting, "title"),
        para(cover.when, "subtitle"),
        Spacer(1, 20 * mm),
        para(cover.reader, "heading"),
        para(cover.classification),
    ]
    if cover.warning:
        story.append(para(cover.warning))
    story += [
        Spacer(1, 6 * mm),
        para(cover.made, "small"),
        PageBreak(),
        para(cover.contents, "title"),
    ]
    rows: list[list[Flowable | str]] = [
        [para(cover.document_column, "head"), para(cover.page_column, "head")]
    ]
    for index, chapter in enumerate(chapters):
        has_pages = any((index, n) in starts for n in range(len(chapter.parts)))
        first = str(starts[(index, -1)] + 1) if has_pages else ""
        rows.append([para(chapter.heading, "head"), para(first, "head")])
        for number, part in enumerate(chapter.parts):
            where = starts.get((index, number))
            label = f"{part.title} ({part.level})"
            if part.note:
                label = f"{label} · {part.note}"
            rows.append(
                [
                    para("    " + label, "cell"),
                    para("" if where is None else str(where + 1), "cell"),
                ]
            )
    story.append(grid(rows, [160 * mm, 20 * mm]))
    page_label: Gettext = lambda n: cover.page_label % {"n": n}  # noqa: E731
    return build(story, title=f"{cover.title} · {cover.meeting}", page_label=page_label)

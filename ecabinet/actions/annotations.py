"""A member's private marks on a draft (highlights, sticky notes, ink) and private notes
on an agenda item. Only their author ever reads them: every query is by the actor's own
person id. They are not audited: the log is read by administrators, and these are private.

When a new version of a document arrives, the member's marks follow: a highlight whose
quoted text is found again is placed on it; one whose text is gone is kept and flagged;
notes and ink keep their page."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ..auth.actor import Actor
from ..auth.permissions import ensure_signed_in
from ..db import Tx
from ..documents.textlayer import PageText
from ..errors import NotFound, ValidationFailed
from ..models import Annotation, DocumentVersion, ItemNote, utcnow
from ..textfold import fold
from .access import load_item, load_meeting, meeting_access
from .client_ids import check_client_id
from .reading import Opened

KINDS = ("highlight", "note", "ink")
COLOURS = ("yellow", "green", "blue", "pink")
MAX_QUOTE = 2000
MAX_TEXT = 4000
MAX_RECTS = 60
MAX_STROKES = 60
MAX_POINTS = 2000
DISMISSED = "dismissed"

PagesLoader = Callable[[], Awaitable[Sequence[PageText]]]


def _fraction(value: Any) -> float:
    if (
        not isinstance(value, int | float)
        or isinstance(value, bool)
        or not math.isfinite(value)
        or not 0 <= value <= 1
    ):
        raise ValidationFailed("A position on the page is a number from 0 to 1.")
    return round(float(value), 5)


def check_shape(kind: str, shape: Any) -> dict[str, Any]:
    """The shape of a mark, checked and rounded: rectangles, a point, or strokes."""
    if not isinstance(shape, dict):
        raise ValidationFailed("The shape of a mark is an object.")
    colour = shape.get("colour", "yellow")
    if colour not in COLOURS:
        raise ValidationFailed(
            "A mark's colour is one of: %(colours)s.", colours=", ".join(COLOURS)
        )
    if kind == "highlight":
        rects = shape.get("rects")
        if (
            not isinstance(rects, list)
            or not 0 < len(rects) <= MAX_RECTS
            or not all(isinstance(r, list) and len(r) == 4 for r in rects)
        ):
            raise ValidationFailed(
                "A highlight covers 1 to %(n)s rectangles of four numbers.", n=MAX_RECTS
            )
        return {"colour": colour, "rects": [[_fraction(v) for v in r] for r in rects]}
    if kind == "note":
        return {"colour": colour, "x": _fraction(shape.get("x")), "y": _fraction(shape.get("y"))}
    strokes = shape.get("strokes")
    if (
        not isinstance(strokes, list)
        or not 0 < len(strokes) <= MAX_STROKES
        or not all(isinstance(s, list) and 0 < len(s) <= MAX_POINTS for s in strokes)
    ):
        raise ValidationFailed("Ink is 1 to %(n)s strokes of points.", n=MAX_STROKES)
    points = [
        [
            [_fraction(p[0]), _fraction(p[1])]
            if isinstance(p, list) and len(p) == 2
            else _bad_point()
            for p in stroke
        ]
        for stroke in strokes
    ]
    return {"colour": colour, "strokes": points}


def _bad_point() -> list[float]:
    raise ValidationFailed("A point of ink is two numbers from 0 to 1.")


async def add(
    tx: Tx,
    actor: Actor,
    opened: Opened,
    *,
    kind: str,
    page: int,
    quote: str = "",
    text: str = "",
    shape: Any = None,
    client_id: str | None = None,
) -> tuple[Annotation, bool]:
    """The mark, and whether it is new: one sent again under the same ``client_id`` (a
    tablet resending what it queued offline) is the first one, not a second."""
    ensure_signed_in(actor)
    client_id = check_client_id(client_id)
    if client_id is not None:
        earlier = await _sent_before(tx, actor, client_id)
        if earlier is not None:
            return earlier, False
    if kind not in KINDS:
        raise ValidationFailed("A mark is a highlight, a note or ink.")
    if not 1 <= page <= (opened.version.page_count or 0):
        raise ValidationFailed("This version has no page %(page)s.", page=page)
    quote, text = " ".join(quote.split()), text.strip()
    if len(quote) > MAX_QUOTE or len(text) > MAX_TEXT:
        raise ValidationFailed(
            "A quote has at most %(q)s characters and a note %(t)s.", q=MAX_QUOTE, t=MAX_TEXT
        )
    if kind == "highlight" and not quote:
        raise ValidationFailed("A highlight needs the text it marks.")
    if kind == "note" and not text:
        raise ValidationFailed("A note needs its text.")
    assert actor.person_id is not None and opened.document.id is not None
    mark = Annotation(
        person_id=actor.person_id,
        document_id=opened.document.id,
        version_id=opened.version.id or 0,
        page=page,
        kind=kind,
        quote=quote,
        text=text,
        shape=check_shape(kind, shape or {}),
        client_id=client_id,
    )
    try:
        # A savepoint: the same mark sent twice at once makes one insert fail.
        async with tx.session.begin_nested():
            tx.session.add(mark)
            await tx.session.flush()
    except IntegrityError:
        earlier = await _sent_before(tx, actor, client_id or "")
        if earlier is None:
            raise
        return earlier, False
    return mark, True


async def _sent_before(tx: Tx, actor: Actor, client_id: str) -> Annotation | None:
    return (
        await tx.session.exec(
            select(Annotation).where(
                Annotation.person_id == actor.person_id, Annotation.client_id == client_id
            )
        )
    ).first()


async def remove(tx: Tx, actor: Actor, annotation_id: int) -> None:
    mark = await tx.session.get(Annotation, annotation_id)
    if mark is None or mark.person_id != actor.person_id:
        # Another person's mark is not acknowledged to exist.
        raise NotFound("You have no mark number %(id)s.", id=annotation_id)
    if mark.carried_from_id is not None:
        mark.carry = DISMISSED  # kept, so that it is not carried over again
        tx.session.add(mark)
    else:
        await tx.session.delete(mark)


async def mine(tx: Tx, actor: Actor, opened: Opened, pages: PagesLoader) -> list[Annotation]:
    """The actor's marks on this version, after carrying over those made on earlier ones."""
    await carry_over(tx, actor, opened, pages)
    return list(
        (
            await tx.session.exec(
                select(Annotation)
                .where(
                    Annotation.person_id == actor.person_id,
                    Annotation.version_id == opened.version.id,
                    Annotation.carry != DISMISSED,
                )
                .order_by(col(Annotation.page), col(Annotation.id))
            )
        ).all()
    )


async def carry_over(tx: Tx, actor: Actor, opened: Opened, load_pages: PagesLoader) -> int:
    """Copy the actor's marks from earlier versions onto this one, once each. The text of
    the version is read only when there is something to carry."""
    version = opened.version
    earlier = select(DocumentVersion.id).where(
        DocumentVersion.document_id == opened.document.id, DocumentVersion.number < version.number
    )
    carried = select(Annotation.carried_from_id).where(
        Annotation.version_id == version.id, col(Annotation.carried_from_id).is_not(None)
    )
    originals = (
        await tx.session.exec(
            select(Annotation).where(
                Annotation.person_id == actor.person_id,
                col(Annotation.version_id).in_(earlier),
                col(Annotation.carried_from_id).is_(None),
                col(Annotation.id).not_in(carried),
            )
        )
    ).all()
    if not originals:
        return 0
    pages = await load_pages()
    last_page = version.page_count or 1
    for original in originals:
        page, shape, carry = min(original.page, last_page), dict(original.shape), "found"
        if original.kind == "highlight":
            found = locate(original.quote, pages, prefer=original.page)
            if found is None:
                carry, shape = "not_found", {**shape, "rects": []}
            else:
                page, rects = found
                shape = {**shape, "rects": rects}
        tx.session.add(
            Annotation(
                person_id=original.person_id,
                document_id=original.document_id,
                version_id=version.id or 0,
                page=page,
                kind=original.kind,
                quote=original.quote,
                text=original.text,
                shape=shape,
                carried_from_id=original.id,
                carry=carry,
                created_at=utcnow(),
            )
        )
    await tx.session.flush()
    return len(originals)


def locate(
    quote: str, pages: Sequence[PageText], *, prefer: int
) -> tuple[int, list[list[float]]] | None:
    """The page and the rectangles of ``quote`` in these pages, the preferred page first;
    matched folded and with spaces collapsed, as a reader would recognise it."""
    wanted = " ".join(fold(quote).split())
    if not wanted:
        return None
    for page in sorted(pages, key=lambda p: (p.number != prefer, p.number)):
        joined, where = "", []
        for index, line in enumerate(page.lines):
            if joined:
                joined += " "
                where.append((index, -1))
            for offset in range(len(line.text)):
                where.append((index, offset))
            joined += fold(line.text)
        collapsed, origin = _collapse(joined)
        at = collapsed.find(wanted)
        if at < 0:
            continue
        spots = [where[origin[i]] for i in range(at, at + len(wanted))]
        return page.number, _rects(page, [spot for spot in spots if spot[1] >= 0])
    return None


def _collapse(text: str) -> tuple[str, list[int]]:
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if char.isspace():
            if out and out[-1] == " ":
                continue
            char = " "
        out.append(char)
        origin.append(index)
    return "".join(out), origin


def _rects(page: PageText, spots: list[tuple[int, int]]) -> list[list[float]]:
    by_line: dict[int, list[int]] = {}
    for line_index, offset in spots:
        by_line.setdefault(line_index, []).append(offset)
    rects = []
    for line_index, offsets in sorted(by_line.items()):
        line = page.lines[line_index]
        left, right = line.edges[min(offsets)], line.edges[max(offsets) + 1]
        rects.append(
            [round(left, 5), round(line.box[1], 5), round(right - left, 5), round(line.box[3], 5)]
        )
    return rects


async def _item_for(db: AsyncSession, actor: Actor, item_id: int) -> None:
    item = await load_item(db, item_id)
    access = await meeting_access(db, actor, await load_meeting(db, item.meeting_id))
    if not access.sees_item(item_id):
        raise NotFound("There is no agenda item number %(id)s.", id=item_id)


async def item_note(db: AsyncSession, actor: Actor, item_id: int) -> str:
    await _item_for(db, actor, item_id)
    note = (
        await db.exec(
            select(ItemNote).where(
                ItemNote.person_id == actor.person_id, ItemNote.item_id == item_id
            )
        )
    ).first()
    return "" if note is None else note.text


async def save_item_note(tx: Tx, actor: Actor, item_id: int, text: str) -> ItemNote:
    await _item_for(tx.session, actor, item_id)
    text = text.strip()
    if len(text) > MAX_TEXT * 5:
        raise ValidationFailed("A note on an item has at most %(n)s characters.", n=MAX_TEXT * 5)
    assert actor.person_id is not None
    note = (
        await tx.session.exec(
            select(ItemNote).where(
                ItemNote.person_id == actor.person_id, ItemNote.item_id == item_id
            )
        )
    ).first()
    note = note or ItemNote(person_id=actor.person_id, item_id=item_id)
    note.text, note.updated_at = text, utcnow()
    tx.session.add(note)
    return note

"""The book: a meeting's agenda beside the document being read, on one page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from ..actions import book, packets, reading
from ..actions.access import load_meeting
from ..vocab import Classification, Role
from .api_text import COPYABLE_UP_TO
from .common import actor_of, db_of, int_param
from .inputs import positive_int
from .page_helpers import page_tools
from .routing import page
from .templating import render

VOTING_ROLES = (Role.CHAIR.value, Role.MEMBER.value)


async def book_page(request: Request) -> Response:
    """``?document=`` chooses the document (else the first not yet read); ``?page=`` the
    page to open at."""
    actor = actor_of(request)
    db = db_of(request)
    query = request.query_params
    async with db.read() as session:
        meeting = await load_meeting(session, int_param(request, "meeting_id"))
        the_book = await book.book_of(session, actor, meeting, positive_int(query.get("document")))
    chosen = the_book.chosen
    versions = []
    if chosen is not None and chosen.view.latest is not None:
        async with db.read() as session:
            opened = await reading.open_version(session, actor, chosen.view.latest.id or 0)
            versions = await packets.versions_of(session, opened.document.id)
        async with db.transaction() as tx:
            await reading.record(tx, actor, opened, "document.viewed", purpose="read")
        # Shown as read now that it is open.
        async with db.read() as session:
            the_book = await book.book_of(session, actor, meeting, opened.document.id)
        chosen = the_book.chosen
    level = chosen.view.document.classification if chosen else 0
    seat = actor.seat(meeting.body_id)
    return render(
        request,
        "book.html",
        {
            **page_tools(request),
            "book": the_book,
            "versions": versions,
            "start_page": positive_int(query.get("page")) or 1,
            "classified": level >= Classification.MAT,
            "copyable": level <= COPYABLE_UP_TO,
            "gives_positions": seat is not None
            and seat.role in VOTING_ROLES
            and not seat.stand_in_for_id,
        },
    )


def routes() -> list[BaseRoute]:
    return [page("/meetings/{meeting_id}/book", book_page, name="book")]

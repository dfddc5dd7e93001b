"""The tablet's pages: the member's meetings, a meeting's agenda, and the document viewer."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from ..actions import packets, reading
from ..auth.permissions import ensure_signed_in
from ..vocab import MeetingState
from .common import actor_of, db_of, int_param
from .page_helpers import page_tools
from .routing import page
from .templating import render

PAST_SHOWN = 10


async def my_meetings(request: Request) -> Response:
    actor = actor_of(request)
    ensure_signed_in(actor)
    async with db_of(request).read() as session:
        visible = await packets.visible_meetings(session, actor)
        upcoming = [
            await packets.meeting_view(session, actor, access.meeting)
            for access in visible
            if access.meeting.state != MeetingState.CLOSED.value
        ]
    past = [a.meeting for a in visible if a.meeting.state == MeetingState.CLOSED.value]
    return render(
        request,
        "meetings.html",
        {**page_tools(request), "upcoming": upcoming, "past": past[::-1][:PAST_SHOWN]},
    )


async def meeting_page(request: Request) -> Response:
    actor = actor_of(request)
    async with db_of(request).read() as session:
        view = await packets.agenda_view(session, actor, int_param(request, "meeting_id"))
    return render(request, "meeting.html", {**page_tools(request), "view": view})


async def viewer(request: Request) -> Response:
    actor = actor_of(request)
    db = db_of(request)
    async with db.read() as session:
        opened = await reading.open_version(session, actor, int_param(request, "version_id"))
        versions = await packets.versions_of(session, opened.document.id)
        meeting = opened.access.meeting
    if request.method == "GET":
        purpose = "offline" if request.headers.get("x-ecabinet-offline") == "1" else "read"
        async with db.transaction() as tx:
            await reading.record(tx, actor, opened, "document.viewed", purpose=purpose)
    return render(
        request,
        "viewer.html",
        {
            **page_tools(request),
            "document": opened.document,
            "version": opened.version,
            "versions": versions,
            "meeting": meeting,
            "classified": opened.classified,
        },
    )


def routes() -> list[BaseRoute]:
    return [
        page("/meetings", my_meetings, name="my_meetings"),
        page("/meetings/{meeting_id}", meeting_page, name="meeting_page"),
        page("/versions/{version_id}", viewer, name="viewer"),
    ]

"""JSON API of "follow the presenter": the chair (or the secretariat) shows a page of one
of the current item's documents on the room displays, and if chosen on every tablet; the
room display draws that page, and only that one. Each call returns the fresh snapshot,
whose ``presenting`` says what is shown."""

from __future__ import annotations

from pydantic import Field
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from ..actions import presenting, reading
from ..documents import rendering
from . import inputs
from .api_session import meeting_step
from .bodies import Body, Flag, Id, example, parsed, takes
from .common import actor_of, db_of, int_param
from .delivery_views import presented_page
from .display_views import screen_of, viewable
from .routing import api


class Presentation(Body):
    """The document of the current item, its page, and whether every tablet follows."""

    model_config = example({"document": 1, "page": 2, "follow": True})
    document: Id
    page: int = Field(1, ge=1)
    follow: Flag = Field(False, description="Show the page on every tablet too.")


@takes(Presentation)
async def present(request: Request) -> Response:
    """Show a page of a document of the item being taken on the room displays (and, with
    `follow`, on every tablet). Only the chair or the secretariat; a document classified
    above the body's `display_max_classification` is refused (403 `not-for-the-display`)."""
    body = await parsed(request, Presentation)
    return await meeting_step(
        request,
        lambda tx, actor, meeting_id: presenting.present(
            tx, actor, meeting_id, document_id=body.document, page=body.page, follow=body.follow
        ),
    )


async def stop(request: Request) -> Response:
    """Take the presented page off the displays and the tablets."""
    return await meeting_step(request, presenting.stop)


async def page(request: Request) -> Response:
    """The presented page as a PNG, `?w=` pixels wide, for the room display: a display
    seat gets this page only while it is presented; a person reads it through their own
    access to the document (a redirect to the version's page)."""
    meeting_id = int_param(request, "meeting")
    version_id, number = int_param(request, "version"), int_param(request, "page")
    width = rendering.nearest_width(inputs.positive_int(request.query_params.get("w")))
    if actor_of(request).signed_in:
        async with db_of(request).read() as session:
            await reading.open_version(session, actor_of(request), version_id)  # or refused
        return RedirectResponse(f"/api/versions/{version_id}/pages/{number}.png?w={width}", 303)
    await viewable(request, meeting_id)  # a display seat of the meeting's body, or 401/403
    screen = await screen_of(request)
    assert screen is not None
    async with db_of(request).read() as session:
        shown = await presenting.page_for_display(session, screen, meeting_id, version_id, number)
    return await presented_page(request, screen.name, shown, number, width)


def routes() -> list[BaseRoute]:
    return [
        api("/api/meetings/{meeting}/presentation", present, methods=["POST"]),
        api("/api/meetings/{meeting}/presentation/stop", stop, methods=["POST"]),
        api(
            "/api/meetings/{meeting}/presented/{version}/{page}.png",
            page,
            name="presented_page",
            public=True,
        ),
    ]

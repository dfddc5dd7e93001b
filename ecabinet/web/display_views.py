"""Room displays: the secretariat enrolls a projector as a display seat of the body
(/bodies/{id}/displays), the projector opens the one-time link and confirms
(/display/enroll/{token}), then /display shows the body's current meeting. The display's
own state (GET /api/meetings/{id}/display) is the one a projector may read."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute

from ..actions import displays, live_state, seat_view
from ..actions.access import load_body, load_meeting, meeting_access
from ..actions.seat_view import SeatView
from ..errors import Unauthenticated, ValidationFailed
from ..models import DisplaySeat, Meeting
from .common import actor_of, db_of, int_param, settings_of
from .qr import qr_data_uri
from .routing import api, page
from .templating import render

# A projector stays on for years; its cookie lasts as long (revoking it is immediate).
COOKIE_DAYS = 400


def see_other(path: str) -> Response:
    return RedirectResponse(path, status_code=303)


async def screen_of(request: Request) -> DisplaySeat | None:
    async with db_of(request).read() as session:
        return await displays.display_for(session, request.cookies.get(displays.DISPLAY_COOKIE))


async def viewable(request: Request, meeting_id: int) -> tuple[Meeting, SeatView]:
    """The meeting, if the caller may see its room display (a person who may see the
    meeting, or a display seat of its body), and what the caller's seat sees of it."""
    async with db_of(request).read() as session:
        meeting = await load_meeting(session, meeting_id)
        if actor_of(request).signed_in:
            return meeting, (await meeting_access(session, actor_of(request), meeting)).view
    screen = await screen_of(request)
    if screen is None:
        raise Unauthenticated("Sign in with your passkey to continue.")
    return meeting, displays.ensure_shows(screen, meeting)


async def display_state(request: Request) -> Response:
    """The room display's state: what the projector shows (the agenda without the
    conclusions, who is present, the open vote's count, results, the list of speakers).
    Open to a display seat of the meeting's body and to anyone who may see the meeting."""
    meeting, view = await viewable(request, int_param(request, "meeting"))
    async with db_of(request).read() as session:
        # Read the meeting again in the snapshot's own transaction: the one checked above
        # may predate a step taken since (its current item, its sequence number), and a
        # state built from it would be older than the number it carries.
        meeting = await load_meeting(session, int_param(request, "meeting"))
        state = await live_state.snapshot(session, meeting)
    # A guest's screen shows their items only: the room's screen as their seat sees it.
    return JSONResponse(seat_view.display_state(seat_view.live_state_for(state, view)))


async def current(request: Request) -> Response:
    """A display seat's start page: its body's meeting of the moment."""
    screen = await screen_of(request)
    if screen is None:
        if actor_of(request).signed_in:
            raise ValidationFailed(
                "This browser is not a room display. Open a meeting's "
                "room display from the meeting's page."
            )
        raise Unauthenticated("Sign in with your passkey to continue.")
    async with db_of(request).read() as session:
        meeting = await displays.meeting_shown(session, screen)
        body = await load_body(session, screen.body_id)
    if meeting is not None:
        return see_other(f"/meetings/{meeting.id}/display")
    return render(request, "display_idle.html", {"screen": screen, "body": body})


async def enroll_page(request: Request) -> Response:
    token = request.path_params["token"]
    async with db_of(request).read() as session:
        screen, body = await displays.pending(session, token)
    return render(request, "display_enroll.html", {"screen": screen, "body": body, "token": token})


async def enroll(request: Request) -> Response:
    settings = settings_of(request)
    async with db_of(request).transaction() as tx:
        _, cookie = await displays.enroll(
            tx, request.path_params["token"], client=request.headers.get("user-agent", "")
        )
    response = see_other("/display")
    response.set_cookie(
        displays.DISPLAY_COOKIE,
        cookie,
        max_age=COOKIE_DAYS * 86400,
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
        path="/",
    )
    return response


async def body_displays(request: Request) -> Response:
    body_id = int_param(request, "body_id")
    async with db_of(request).read() as session:
        body = await load_body(session, body_id)
        screens = await displays.of_body(session, actor_of(request), body_id)
    return render(request, "displays.html", {"body": body, "screens": screens})


async def issue(request: Request) -> Response:
    body_id = int_param(request, "body_id")
    form = await request.form()
    name = form.get("name")
    async with db_of(request).transaction() as tx:
        screen, url = await displays.issue(
            tx,
            settings_of(request),
            actor_of(request),
            body_id,
            name if isinstance(name, str) else "",
        )
        body = await load_body(tx.session, body_id)
    # The link exists only in this answer (the server keeps its hash): no redirect.
    return render(
        request,
        "display_link.html",
        {"screen": screen, "body": body, "url": url, "qr": qr_data_uri(url)},
    )


async def revoke(request: Request) -> Response:
    async with db_of(request).transaction() as tx:
        screen = await displays.revoke(tx, actor_of(request), int_param(request, "display"))
    return see_other(f"/bodies/{screen.body_id}/displays")


def routes() -> list[BaseRoute]:
    return [
        page("/display", current, name="display_current", public=True),
        page("/display/enroll/{token}", enroll_page, public=True),
        page("/display/enroll/{token}", enroll, methods=["POST"], public=True),
        page("/bodies/{body_id}/displays", body_displays, name="body_displays"),
        page("/bodies/{body_id}/displays", issue, methods=["POST"]),
        page("/displays/{display}/revoke", revoke, methods=["POST"]),
        api("/api/meetings/{meeting}/display", display_state, public=True),
    ]

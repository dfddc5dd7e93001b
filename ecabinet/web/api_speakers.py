"""JSON API of the list of speakers of the item being taken. Each call returns the fresh
snapshot (``GET /api/meetings/{meeting}/session``, whose ``speakers`` shows the list);
every other screen hears of it over /ws."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from ..actions import speakers
from ..vocab import SpeechKind
from .api_session import meeting_step, view
from .bodies import Body, Flag, Id, example, parsed, takes
from .common import actor_of, db_of, int_param
from .routing import api


class FloorRequest(Body):
    """What the member asks the floor for."""

    model_config = example({"kind": "speak"}, {})
    kind: SpeechKind = SpeechKind.SPEAK


class NextSpeaker(Body):
    """The request given the floor; none gives it to the next on the list."""

    model_config = example({}, {"request": 1})
    request: Id | None = None


class Place(Body):
    """The request's new place on the list; 1 is next."""

    model_config = example({"place": 1})
    place: Id


class ListClosed(Body):
    """Whether the list is closed (true) or reopened (false)."""

    model_config = example({"closed": True})
    closed: Flag = True


@takes(FloorRequest)
async def request_floor(request: Request) -> Response:
    """Ask for the floor on the item being taken: `{"kind": "speak" | "point_of_order" |
    "reply"}`. A point of order goes before the others; once the chair closes the list
    only a point of order is taken (409 otherwise)."""
    body = await parsed(request, FloorRequest)
    return await meeting_step(
        request,
        lambda tx, actor, meeting_id: speakers.request_floor(tx, actor, meeting_id, body.kind),
        201,
    )


async def withdraw(request: Request) -> Response:
    """Withdraw one's own waiting request."""
    async with db_of(request).transaction() as tx:
        row = await speakers.withdraw(tx, actor_of(request), int_param(request, "request"))
    return await view(request, row.meeting_id)


@takes(NextSpeaker)
async def give_floor(request: Request) -> Response:
    """The chair gives the floor to the next on the list, or `{"request": id}`; the speech
    before ends. The countdown is the body's `speech_seconds` (`reply_seconds` for a
    point of order or a reply)."""
    body = await parsed(request, NextSpeaker)
    return await meeting_step(
        request,
        lambda tx, actor, meeting_id: speakers.give_floor(tx, actor, meeting_id, body.request),
    )


async def end_speech(request: Request) -> Response:
    """The chair ends the current speech."""
    return await meeting_step(request, speakers.end_speech)


@takes(Place)
async def move(request: Request) -> Response:
    """The chair moves a waiting request to a place of the list: `{"place": 1}` is next."""
    body = await parsed(request, Place)
    async with db_of(request).transaction() as tx:
        row = await speakers.move(tx, actor_of(request), int_param(request, "request"), body.place)
    return await view(request, row.meeting_id)


@takes(ListClosed)
async def close_list(request: Request) -> Response:
    """The chair closes the list (`{"closed": true}`) or reopens it (`false`)."""
    body = await parsed(request, ListClosed)
    return await meeting_step(
        request,
        lambda tx, actor, meeting_id: speakers.close_list(
            tx, actor, meeting_id, closed=body.closed
        ),
    )


def routes() -> list[BaseRoute]:
    return [
        api("/api/meetings/{meeting}/speakers", request_floor, methods=["POST"]),
        api("/api/meetings/{meeting}/speakers/next", give_floor, methods=["POST"]),
        api("/api/meetings/{meeting}/speakers/end", end_speech, methods=["POST"]),
        api("/api/meetings/{meeting}/speakers/list", close_list, methods=["POST"]),
        api("/api/speakers/{request}/withdraw", withdraw, methods=["POST"]),
        api("/api/speakers/{request}/place", move, methods=["POST"]),
    ]

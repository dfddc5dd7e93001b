"""JSON API of the list of speakers of the item being taken. Each call returns the fresh
snapshot (``GET /api/meetings/{meeting}/session``, whose ``speakers`` shows the list);
every other screen hears of it over /ws."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from ..actions import speakers
from ..errors import ValidationFailed
from .api_session import view
from .common import actor_of, db_of, int_param, json_body
from .inputs import is_id
from .routing import api


async def request_floor(request: Request) -> Response:
    """Ask for the floor on the item being taken: `{"kind": "speak" | "point_of_order" |
    "reply"}`. A point of order goes before the others; once the chair closes the list
    only a point of order is taken (409 otherwise)."""
    meeting_id = int_param(request, "meeting")
    kind = (await json_body(request)).get("kind", "speak")
    if not isinstance(kind, str):
        raise ValidationFailed('Send {"kind": "speak"}, "point_of_order" or "reply".')
    async with db_of(request).transaction() as tx:
        await speakers.request_floor(tx, actor_of(request), meeting_id, kind)
    return await view(request, meeting_id, 201)


async def withdraw(request: Request) -> Response:
    """Withdraw one's own waiting request."""
    async with db_of(request).transaction() as tx:
        row = await speakers.withdraw(tx, actor_of(request), int_param(request, "request"))
    return await view(request, row.meeting_id)


async def give_floor(request: Request) -> Response:
    """The chair gives the floor to the next on the list, or `{"request": id}`; the speech
    before ends. The countdown is the body's `speech_seconds` (`reply_seconds` for a
    point of order or a reply)."""
    meeting_id = int_param(request, "meeting")
    chosen = (await json_body(request)).get("request")
    if chosen is not None and not is_id(chosen):
        raise ValidationFailed('Send {"request": <number>}, or nothing for the next speaker.')
    async with db_of(request).transaction() as tx:
        await speakers.give_floor(tx, actor_of(request), meeting_id, chosen)
    return await view(request, meeting_id)


async def end_speech(request: Request) -> Response:
    """The chair ends the current speech."""
    meeting_id = int_param(request, "meeting")
    async with db_of(request).transaction() as tx:
        await speakers.end_speech(tx, actor_of(request), meeting_id)
    return await view(request, meeting_id)


async def move(request: Request) -> Response:
    """The chair moves a waiting request to a place of the list: `{"place": 1}` is next."""
    place = (await json_body(request)).get("place")
    if not is_id(place):
        raise ValidationFailed('Send {"place": <number>}: 1 is next.')
    async with db_of(request).transaction() as tx:
        row = await speakers.move(tx, actor_of(request), int_param(request, "request"), place)
    return await view(request, row.meeting_id)


async def close_list(request: Request) -> Response:
    """The chair closes the list (`{"closed": true}`) or reopens it (`false`)."""
    meeting_id = int_param(request, "meeting")
    closed = (await json_body(request)).get("closed", True)
    if not isinstance(closed, bool):
        raise ValidationFailed('Send {"closed": true} or {"closed": false}.')
    async with db_of(request).transaction() as tx:
        await speakers.close_list(tx, actor_of(request), meeting_id, closed=closed)
    return await view(request, meeting_id)


def routes() -> list[BaseRoute]:
    return [
        api("/api/meetings/{meeting}/speakers", request_floor, methods=["POST"]),
        api("/api/meetings/{meeting}/speakers/next", give_floor, methods=["POST"]),
        api("/api/meetings/{meeting}/speakers/end", end_speech, methods=["POST"]),
        api("/api/meetings/{meeting}/speakers/list", close_list, methods=["POST"]),
        api("/api/speakers/{request}/withdraw", withdraw, methods=["POST"]),
        api("/api/speakers/{request}/place", move, methods=["POST"]),
    ]

"""JSON API: meetings, their agendas, guests, and the moves between meeting states."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from ..actions import agenda, documents, meetings, packets
from ..actions.access import load_meeting
from ..actions.packets import ItemView
from ..errors import ValidationFailed
from ..i18n import gettext_for
from ..vocab import ItemKind, MeetingForm, MeetingKind
from . import inputs
from .common import actor_of, db_of, int_param, settings_of
from .packet_json import guest_json, item_json, meeting_json, meeting_view_json, warning_json
from .routing import api
from .templating import locale_of

MEETING_KEYS = {"title": "title", "kind": "kind", "form": "form", "place": "place",
                "startsAt": "starts_at", "opinionDeadline": "opinion_deadline"}
ITEM_KEYS = {"title": "title", "titleEn": "title_en", "kind": "kind",
             "presenter": "presenter", "summary": "summary"}


async def _json(request: Request) -> dict[str, Any]:
    return await inputs.small_json(request, settings_of(request).max_body_bytes)


def _zone(request: Request) -> ZoneInfo:
    return ZoneInfo(settings_of(request).time_zone)


def _known(body: dict[str, Any], keys: dict[str, str]) -> None:
    unknown = sorted(set(body) - set(keys))
    if unknown:
        raise ValidationFailed("Unknown fields: %(fields)s.", fields=", ".join(unknown))


def _meeting_changes(body: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    _known(body, MEETING_KEYS)
    return {MEETING_KEYS[key]: _meeting_value(body, key, zone) for key in body}


def _meeting_value(body: dict[str, Any], key: str, zone: ZoneInfo) -> Any:
    if key == "kind":
        return inputs.choice(body, key, MeetingKind, MeetingKind.REGULAR)
    if key == "form":
        return inputs.choice(body, key, MeetingForm, MeetingForm.IN_PERSON)
    if key in {"startsAt", "opinionDeadline"}:
        return inputs.when(body, key, zone, required=key == "startsAt")
    return inputs.text(body, key)


def _item_changes(body: dict[str, Any]) -> dict[str, Any]:
    _known(body, ITEM_KEYS)
    return {ITEM_KEYS[key]: (inputs.choice(body, "kind", ItemKind, ItemKind.DECISION)
                             if key == "kind" else inputs.text(body, key)) for key in body}


async def list_meetings(request: Request) -> Response:
    """The meetings the signed-in person may see, soonest first."""
    actor = actor_of(request)
    body_id = int_param(request, "body_id") if "body_id" in request.path_params else None
    async with db_of(request).read() as session:
        visible = await packets.visible_meetings(session, actor)
    return JSONResponse({"meetings": [
        meeting_json(access.meeting) for access in visible
        if body_id is None or access.meeting.body_id == body_id]})


async def create_meeting(request: Request) -> Response:
    """Schedule a meeting of the body (the secretariat); it starts as a draft.

    JSON: title, kind (regular, extraordinary, thematic), form (in_person, online, mixed),
    place, startsAt, opinionDeadline (ISO 8601; without an offset, the server's time zone).
    """
    body = await _json(request)
    zone = _zone(request)
    _known(body, MEETING_KEYS)
    starts_at = inputs.when(body, "startsAt", zone, required=True)
    assert starts_at is not None
    details = meetings.MeetingDetails(
        title=inputs.text(body, "title"), starts_at=starts_at,
        kind=inputs.choice(body, "kind", MeetingKind, MeetingKind.REGULAR),
        form=inputs.choice(body, "form", MeetingForm, MeetingForm.IN_PERSON),
        place=inputs.text(body, "place"),
        opinion_deadline=inputs.when(body, "opinionDeadline", zone))
    async with db_of(request).transaction() as tx:
        meeting = await meetings.schedule(tx, actor_of(request), int_param(request, "body_id"),
                                          details)
    return JSONResponse(meeting_json(meeting), status_code=201)


async def get_meeting(request: Request) -> Response:
    """The meeting with its agenda: items, guests, documents and their versions, each
    with what changed since the reader last opened it."""
    async with db_of(request).read() as session:
        meeting = await load_meeting(session, int_param(request, "meeting_id"))
        view = await packets.meeting_view(session, actor_of(request), meeting)
    return JSONResponse(meeting_view_json(view))


async def update_meeting(request: Request) -> Response:
    """Change some details of a meeting (any of the fields of its creation)."""
    changes = _meeting_changes(await _json(request), _zone(request))
    async with db_of(request).transaction() as tx:
        meeting = await meetings.update(tx, actor_of(request), int_param(request, "meeting_id"),
                                        changes)
    return JSONResponse(meeting_json(meeting))


async def add_item(request: Request) -> Response:
    """Add an item at the end of the agenda.

    JSON: title, titleEn, kind (decision, discussion, report), presenter, summary.
    """
    body = await _json(request)
    _known(body, ITEM_KEYS)
    text = agenda.ItemText(
        title=inputs.text(body, "title"),
        kind=inputs.choice(body, "kind", ItemKind, ItemKind.DECISION),
        presenter=inputs.text(body, "presenter"), summary=inputs.text(body, "summary"),
        title_en=inputs.text(body, "titleEn"))
    async with db_of(request).transaction() as tx:
        item = await agenda.add(tx, actor_of(request), int_param(request, "meeting_id"), text)
    return JSONResponse(item_json(ItemView(item, [], [])), status_code=201)


async def edit_item(request: Request) -> Response:
    """Change an item's title, kind, presenting agency or summary."""
    changes = _item_changes(await _json(request))
    async with db_of(request).transaction() as tx:
        item = await agenda.edit(tx, actor_of(request), int_param(request, "item_id"), changes)
    return JSONResponse(item_json(ItemView(item, [], [])))


async def remove_item(request: Request) -> Response:
    """Remove an item from a draft agenda, with its documents."""
    async with db_of(request).transaction() as tx:
        await agenda.remove(tx, actor_of(request), int_param(request, "item_id"))
    return Response(status_code=204)


async def order_agenda(request: Request) -> Response:
    """Put the agenda in a new order. JSON: itemIds, every item exactly once."""
    body = await _json(request)
    async with db_of(request).transaction() as tx:
        items = await agenda.reorder(tx, actor_of(request), int_param(request, "meeting_id"),
                                     inputs.ids(body, "itemIds"))
    return JSONResponse({"itemIds": [item.id for item in items]})


async def invite_guest(request: Request) -> Response:
    """Invite a non-voting guest for one item. JSON: name, affiliation, email (optional:
    a person with an account then sees this item on their tablet)."""
    body = await _json(request)
    async with db_of(request).transaction() as tx:
        guest = await agenda.invite(
            tx, actor_of(request), int_param(request, "item_id"),
            name=inputs.text(body, "name"), affiliation=inputs.text(body, "affiliation"),
            email=inputs.text(body, "email"))
    return JSONResponse(guest_json(guest), status_code=201)


async def remove_guest(request: Request) -> Response:
    """Withdraw a guest's invitation."""
    async with db_of(request).transaction() as tx:
        await agenda.uninvite(tx, actor_of(request), int_param(request, "guest_id"))
    return Response(status_code=204)


async def publish(request: Request) -> Response:
    """Publish the packet to the tablets. The answer carries warnings, such as a packet
    later than the body's lead time."""
    async with db_of(request).transaction() as tx:
        meeting, warnings = await meetings.publish(tx, actor_of(request),
                                                   int_param(request, "meeting_id"))
    translate = gettext_for(locale_of(request))
    return JSONResponse({"meeting": meeting_json(meeting),
                         "warnings": [warning_json(w, translate) for w in warnings]})


async def document_policy(request: Request) -> Response:
    """Set the body's classification cap and the highest level kept offline on tablets.
    JSON: maxClassification, offlineMaxClassification (public ... tuyet_mat)."""
    body = await _json(request)
    async with db_of(request).transaction() as tx:
        saved = await documents.set_policy(
            tx, actor_of(request), int_param(request, "body_id"),
            max_level=inputs.level(inputs.text(body, "maxClassification"), "maxClassification"),
            offline_level=inputs.level(inputs.text(body, "offlineMaxClassification"),
                                       "offlineMaxClassification"))
    return JSONResponse({"maxClassification": saved.max_classification,
                         "offlineMaxClassification": saved.offline_max_classification})


def routes() -> list[BaseRoute]:
    return [
        api("/api/meetings", list_meetings, name="meetings"),
        api("/api/bodies/{body_id}/meetings", list_meetings, name="body_meetings"),
        api("/api/bodies/{body_id}/meetings", create_meeting, methods=["POST"],
            name="create_meeting"),
        api("/api/bodies/{body_id}/document-policy", document_policy, methods=["PATCH"],
            name="document_policy"),
        api("/api/meetings/{meeting_id}", get_meeting, name="meeting"),
        api("/api/meetings/{meeting_id}", update_meeting, methods=["PATCH"],
            name="update_meeting"),
        api("/api/meetings/{meeting_id}/items", add_item, methods=["POST"], name="add_item"),
        api("/api/meetings/{meeting_id}/agenda/order", order_agenda, methods=["POST"],
            name="order_agenda"),
        api("/api/meetings/{meeting_id}/publish", publish, methods=["POST"], name="publish"),
        api("/api/items/{item_id}", edit_item, methods=["PATCH"], name="edit_item"),
        api("/api/items/{item_id}", remove_item, methods=["DELETE"], name="remove_item"),
        api("/api/items/{item_id}/guests", invite_guest, methods=["POST"],
            name="invite_guest"),
        api("/api/guests/{guest_id}", remove_guest, methods=["DELETE"], name="remove_guest"),
    ]

"""JSON API: meetings, their agendas, guests, and the moves between meeting states."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from ..actions import agenda, documents, meetings, packets
from ..actions.access import load_meeting
from ..actions.packet_rows import ItemRow
from ..actions.packets import ItemView
from ..i18n import gettext_for
from ..vocab import ItemKind, MeetingForm, MeetingKind
from . import inputs
from .bodies import (
    Body,
    CamelBody,
    Changes,
    Id,
    Level,
    Required,
    RequiredIfSent,
    When,
    example,
    or_default,
    parsed,
    takes,
)
from .common import actor_of, db_of, int_param
from .packet_json import guest_json, item_json, meeting_json, meeting_view_json, warning_json
from .routing import api
from .templating import locale_of

Kind = Annotated[MeetingKind, or_default(MeetingKind.REGULAR)]
Form = Annotated[MeetingForm, or_default(MeetingForm.IN_PERSON)]
ItemKindField = Annotated[ItemKind, or_default(ItemKind.DECISION)]


class MeetingChanges(Changes):
    """Some details of a meeting; the fields left out keep their values."""

    model_config = example({"place": "Phòng họp số 1", "opinionDeadline": ""})
    title: str = Field("", max_length=255)
    kind: Kind = MeetingKind.REGULAR
    form: Form = MeetingForm.IN_PERSON
    place: str = Field("", max_length=255)
    starts_at: RequiredIfSent = None
    opinion_deadline: When = None


class NewMeeting(MeetingChanges):
    """A meeting to schedule: its title and start at least."""

    model_config = example(
        {
            "title": "Phiên họp thường kỳ tháng 7",
            "startsAt": "2030-07-02T08:30",
            "kind": "regular",
            "form": "in_person",
            "place": "Phòng họp số 1",
        }
    )
    starts_at: Required


class ItemChanges(Changes):
    """Some details of an agenda item; the fields left out keep their values."""

    model_config = example({"summary": "Tờ trình của Sở Tài chính."})
    title: str = Field("", max_length=500)
    title_en: str = ""
    kind: ItemKindField = ItemKind.DECISION
    presenter: str = ""
    summary: str = ""


class NewItem(ItemChanges):
    """An agenda item."""

    model_config = example(
        {
            "title": "Dự thảo Nghị quyết về ngân sách",
            "kind": "decision",
            "presenter": "Sở Tài chính",
        }
    )


class AgendaOrder(CamelBody):
    """Every item of the agenda exactly once, in the new order, and the order it was made
    from (the agenda as last seen): a change made from an older order is refused."""

    model_config = example({"itemIds": [2, 1], "basedOn": [1, 2]})
    item_ids: list[Id]
    based_on: list[Id]


class Guest(Body):
    """A non-voting guest; with the email of an account, the item shows on their tablet."""

    model_config = example({"name": "Nguyễn Văn A", "affiliation": "Sở Xây dựng"})
    name: str = ""
    affiliation: str = ""
    email: str = ""


class DocumentPolicy(CamelBody):
    """The highest classification the body holds, and the highest kept offline."""

    model_config = example({"maxClassification": "mat", "offlineMaxClassification": "internal"})
    max_classification: Level
    offline_max_classification: Level


async def list_meetings(request: Request) -> Response:
    """The meetings the signed-in person may see, soonest first."""
    actor = actor_of(request)
    body_id = int_param(request, "body_id") if "body_id" in request.path_params else None
    async with db_of(request).read() as session:
        visible = await packets.visible_meetings(session, actor)
    return JSONResponse(
        {
            "meetings": [
                meeting_json(access.meeting)
                for access in visible
                if body_id is None or access.meeting.body_id == body_id
            ]
        }
    )


@takes(NewMeeting)
async def create_meeting(request: Request) -> Response:
    """Schedule a meeting of the body (the secretariat); it starts as a draft.

    JSON: title, kind (regular, extraordinary, thematic), form (in_person, online, mixed),
    place, startsAt, opinionDeadline (ISO 8601; without an offset, the server's time zone).
    """
    body = await parsed(request, NewMeeting)
    details = meetings.MeetingDetails(
        title=body.title,
        starts_at=body.starts_at,
        kind=body.kind,
        form=body.form,
        place=body.place,
        opinion_deadline=body.opinion_deadline,
    )
    async with db_of(request).transaction() as tx:
        meeting = await meetings.schedule(
            tx, actor_of(request), int_param(request, "body_id"), details
        )
    return JSONResponse(meeting_json(meeting), status_code=201)


async def get_meeting(request: Request) -> Response:
    """The meeting with its agenda: items, guests, documents and their versions, each
    with what changed since the reader last opened it."""
    async with db_of(request).read() as session:
        meeting = await load_meeting(session, int_param(request, "meeting_id"))
        view = await packets.meeting_view(session, actor_of(request), meeting)
    return JSONResponse(meeting_view_json(view))


@takes(MeetingChanges)
async def update_meeting(request: Request) -> Response:
    """Change some details of a meeting (any of the fields of its creation)."""
    changes = (await parsed(request, MeetingChanges)).changes()
    async with db_of(request).transaction() as tx:
        meeting = await meetings.update(
            tx, actor_of(request), int_param(request, "meeting_id"), changes
        )
    return JSONResponse(meeting_json(meeting))


@takes(NewItem)
async def add_item(request: Request) -> Response:
    """Add an item at the end of the agenda.

    JSON: title, titleEn, kind (decision, discussion, report), presenter, summary.
    """
    body = await parsed(request, NewItem)
    text = agenda.ItemText(
        title=body.title,
        kind=body.kind,
        presenter=body.presenter,
        summary=body.summary,
        title_en=body.title_en,
    )
    async with db_of(request).transaction() as tx:
        item = await agenda.add(tx, actor_of(request), int_param(request, "meeting_id"), text)
    return JSONResponse(item_json(ItemView(ItemRow.of(item), [], [])), status_code=201)


@takes(ItemChanges)
async def edit_item(request: Request) -> Response:
    """Change an item's title, kind, presenting agency or summary."""
    changes = (await parsed(request, ItemChanges)).changes()
    async with db_of(request).transaction() as tx:
        item = await agenda.edit(tx, actor_of(request), int_param(request, "item_id"), changes)
    return JSONResponse(item_json(ItemView(ItemRow.of(item), [], [])))


async def remove_item(request: Request) -> Response:
    """Remove an item from a draft agenda, with its documents."""
    async with db_of(request).transaction() as tx:
        await agenda.remove(tx, actor_of(request), int_param(request, "item_id"))
    return Response(status_code=204)


@takes(AgendaOrder)
async def order_agenda(request: Request) -> Response:
    """Put the agenda in a new order. JSON: itemIds, every item exactly once; basedOn, the
    order the change was made from (409 when the agenda is no longer in it)."""
    body = await parsed(request, AgendaOrder)
    async with db_of(request).transaction() as tx:
        items = await agenda.reorder(
            tx,
            actor_of(request),
            int_param(request, "meeting_id"),
            body.item_ids,
            expected_order=body.based_on,
        )
    return JSONResponse({"itemIds": [item.id for item in items]})


@takes(Guest)
async def invite_guest(request: Request) -> Response:
    """Invite a non-voting guest for one item. JSON: name, affiliation, email (optional:
    a person with an account then sees this item on their tablet)."""
    body = await parsed(request, Guest)
    async with db_of(request).transaction() as tx:
        guest = await agenda.invite(
            tx,
            actor_of(request),
            int_param(request, "item_id"),
            name=body.name,
            affiliation=body.affiliation,
            email=body.email,
        )
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
        meeting, warnings = await meetings.publish(
            tx, actor_of(request), int_param(request, "meeting_id")
        )
    translate = gettext_for(locale_of(request))
    return JSONResponse(
        {
            "meeting": meeting_json(meeting),
            "warnings": [warning_json(w, translate) for w in warnings],
        }
    )


@takes(DocumentPolicy)
async def document_policy(request: Request) -> Response:
    """Set the body's classification cap and the highest level kept offline on tablets.
    JSON: maxClassification, offlineMaxClassification (public ... tuyet_mat)."""
    body = await parsed(request, DocumentPolicy)
    async with db_of(request).transaction() as tx:
        saved = await documents.set_policy(
            tx,
            actor_of(request),
            int_param(request, "body_id"),
            max_level=inputs.level(body.max_classification),
            offline_level=inputs.level(body.offline_max_classification),
        )
    return JSONResponse(
        {
            "maxClassification": saved.max_classification,
            "offlineMaxClassification": saved.offline_max_classification,
        }
    )


def routes() -> list[BaseRoute]:
    return [
        api("/api/meetings", list_meetings, name="meetings"),
        api("/api/bodies/{body_id}/meetings", list_meetings, name="body_meetings"),
        api(
            "/api/bodies/{body_id}/meetings",
            create_meeting,
            methods=["POST"],
            name="create_meeting",
        ),
        api(
            "/api/bodies/{body_id}/document-policy",
            document_policy,
            methods=["PATCH"],
            name="document_policy",
        ),
        api("/api/meetings/{meeting_id}", get_meeting, name="meeting"),
        api("/api/meetings/{meeting_id}", update_meeting, methods=["PATCH"], name="update_meeting"),
        api("/api/meetings/{meeting_id}/items", add_item, methods=["POST"], name="add_item"),
        api(
            "/api/meetings/{meeting_id}/agenda/order",
            order_agenda,
            methods=["POST"],
            name="order_agenda",
        ),
        api("/api/meetings/{meeting_id}/publish", publish, methods=["POST"], name="publish"),
        api("/api/items/{item_id}", edit_item, methods=["PATCH"], name="edit_item"),
        api("/api/items/{item_id}", remove_item, methods=["DELETE"], name="remove_item"),
        api("/api/items/{item_id}/guests", invite_guest, methods=["POST"], name="invite_guest"),
        api("/api/guests/{guest_id}", remove_guest, methods=["DELETE"], name="remove_guest"),
    ]

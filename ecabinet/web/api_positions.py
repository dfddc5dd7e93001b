"""JSON API for written positions, the matrix, triage, reminders and notifications."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from ..actions import assistants, matrix, notifications, positions, reminders, triage
from ..i18n import gettext_for
from ..models import AgendaItem, Notification, Position, PositionRevision
from ..vocab import ItemStatus, Stance
from . import inputs
from .bodies import Body, Id, example, parsed, takes
from .common import actor_of, db_of, int_param
from .routing import api
from .shapes import matrix_as_json
from .templating import locale_of


class DraftText(Body):
    """A written position; the text is required for all but "agree"."""

    model_config = example(
        {"stance": "agree_with_comments", "text": "Đề nghị bổ sung lộ trình thực hiện."}
    )
    stance: Stance
    text: str = Field("", max_length=20000)


class PositionText(DraftText):
    """My written position, and what the tablet showed when it was written offline."""

    model_config = example(
        {"stance": "agree"}, {"stance": "disagree", "text": "Chưa đủ cơ sở pháp lý.", "revision": 0}
    )
    revision: int | None = Field(
        None,
        ge=0,
        le=inputs.MAX_ID,
        strict=True,
        description="Offline only: the revision of the position shown then, 0 for none.",
    )


class SubmitDraft(Body):
    """The revision of the assistant's draft the member reviewed (its `revision`)."""

    model_config = example({"revision": 1})
    revision: int = Field(
        ge=0,
        le=inputs.MAX_ID,
        strict=True,
        description="The draft's revision as shown to the member; 409 if it changed since.",
    )


class Move(Body):
    """Where the item goes, and why."""

    model_config = example({"to": "contested", "reason": "Bộ Tư pháp còn ý kiến khác."})
    to: Literal["consent", "contested"]
    reason: str = ""


class Pull(Body):
    """Why the member pulls the item out of the consent block (optional)."""

    model_config = example({"reason": "Cần thảo luận thêm."})
    reason: str = ""


class ReadNotices(Body):
    """The notification read, or none for all of them."""

    model_config = example({"id": 1}, {})
    id: Id | None = None


class Assists(Body):
    """The member's seat the assistant works for, or null for nobody."""

    model_config = example({"member": 1}, {"member": None})
    member: Id | None


def position_json(position: Position | None) -> dict[str, Any] | None:
    if position is None:
        return None
    return {
        "item": position.item_id,
        "membership": position.membership_id,
        "stance": position.stance,
        "text": position.text,
        "submitted": position.submitted_at is not None,
        "submittedAt": position.submitted_at.isoformat() if position.submitted_at else None,
        "draftedBy": position.drafted_by_id,
        "updatedAt": position.updated_at.isoformat(),
        "revision": position.revision,
    }


def item_json(item: AgendaItem, counts: triage.ItemCounts | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": item.id,
        "ordinal": item.ordinal,
        "title": item.title,
        "kind": item.kind,
        "status": item.status,
        "reason": item.status_reason,
    }
    if counts is not None:
        data["counts"] = counts.as_dict()
    return data


def triage_json(state: triage.Triage) -> dict[str, Any]:
    def listed(items: list[AgendaItem]) -> list[dict[str, Any]]:
        return [item_json(i, state.counts.get(i.id or 0)) for i in items]

    meeting = state.meeting
    return {
        "meeting": meeting.id,
        "deadline": positions.deadline_of(meeting).isoformat(),
        "triagedAt": meeting.triaged_at.isoformat() if meeting.triaged_at else None,
        "consentAdoptedAt": meeting.consent_adopted_at.isoformat()
        if meeting.consent_adopted_at
        else None,
        "consent": listed(state.consent),
        "contested": listed(state.contested),
        "pending": listed(state.having(ItemStatus.PENDING)),
        "decided": listed(state.decided),
        "agenda": [i.id for i in state.agenda],
    }


@takes(PositionText)
async def give_my_position(request: Request) -> Response:
    """Give or change my written position on an agenda item.

    Body: {"stance": "agree" | "agree_with_comments" | "disagree" | "discuss", "text": ...};
    text is required for all but "agree". Refused (409, audited) after the opinion deadline.
    A position written offline carries "revision": the ``revision`` of the position the
    tablet showed then, 0 when there was none; refused (409) if it has changed since.
    """
    body = await parsed(request, PositionText)
    async with db_of(request).transaction() as tx:
        position = await positions.give_position(
            tx,
            actor_of(request),
            item_id=int_param(request, "item_id"),
            stance=body.stance,
            text=body.text,
            revision=body.revision,
        )
    return JSONResponse(position_json(position))


@takes(SubmitDraft)
async def submit_my_draft(request: Request) -> Response:
    """Submit the position my assistant drafted on this item, as the revision I reviewed
    (409 if it changed since)."""
    body = await parsed(request, SubmitDraft)
    async with db_of(request).transaction() as tx:
        position = await positions.submit_draft(
            tx, actor_of(request), item_id=int_param(request, "item_id"), revision=body.revision
        )
    return JSONResponse(position_json(position))


@takes(DraftText)
async def draft_position(request: Request) -> Response:
    """Draft a position for the member I assist (it counts once the member submits it)."""
    body = await parsed(request, DraftText)
    async with db_of(request).transaction() as tx:
        position = await positions.draft_position(
            tx,
            actor_of(request),
            item_id=int_param(request, "item_id"),
            member_id=int_param(request, "member_id"),
            stance=body.stance,
            text=body.text,
        )
    return JSONResponse(position_json(position))


def revision_json(row: PositionRevision) -> dict[str, Any]:
    return {
        "stance": row.stance,
        "text": row.text,
        "action": row.action,
        "by": row.changed_by_id,
        "at": row.changed_at.isoformat(),
    }


async def position_history(request: Request) -> Response:
    """Every revision of one member's position on an item."""
    async with db_of(request).transaction() as tx:
        rows = await positions.history(
            tx,
            actor_of(request),
            item_id=int_param(request, "item_id"),
            member_id=int_param(request, "member_id"),
        )
    return JSONResponse({"revisions": [revision_json(r) for r in rows]})


async def my_positions(request: Request) -> Response:
    """My positions on every item of a meeting (or, with ?member=, those of the member I
    assist), with the deadline and whether they are frozen."""
    member = inputs.positive_int(request.query_params.get("member"))
    async with db_of(request).transaction() as tx:
        sheet = await positions.member_sheet(
            tx, actor_of(request), int_param(request, "meeting_id"), member_id=member
        )
    return JSONResponse(
        {
            "meeting": sheet.meeting.id,
            "membership": sheet.seat.id,
            "frozen": sheet.frozen,
            "deadline": positions.deadline_of(sheet.meeting).isoformat(),
            "items": [
                {**item_json(i), "position": position_json(sheet.positions.get(i.id or 0))}
                for i in sheet.items
            ],
        }
    )


async def position_matrix(request: Request) -> Response:
    """The matrix of written positions: members x items, counts, who is missing, and the
    response rate over time (secretariat and chair)."""
    async with db_of(request).read_only() as tx:
        view = await matrix.matrix(tx, actor_of(request), int_param(request, "meeting_id"))
    return JSONResponse(matrix_as_json(view))


async def run_triage(request: Request) -> Response:
    """Run the triage now: returns the consent block and the contested items.

    An item with any "disagree" or "discuss" is contested; a missing position contests it
    when the body says so. Items moved by hand keep their place.
    """
    async with db_of(request).transaction() as tx:
        state = await triage.run_triage(tx, actor_of(request), int_param(request, "meeting_id"))
    return JSONResponse(triage_json(state))


async def show_triage(request: Request) -> Response:
    """The live agenda as triaged: consent block first, then the contested items.

    After the opinion deadline the triage runs first if it has not run since.
    """
    async with db_of(request).transaction() as tx:
        state = await triage.current_triage(tx, actor_of(request), int_param(request, "meeting_id"))
    return JSONResponse(triage_json(state))


@takes(Move)
async def move_item(request: Request) -> Response:
    """The secretariat moves an item into or out of the consent block, with a reason.

    Body: {"to": "consent" | "contested", "reason": "..."} (the reason is required).
    """
    body = await parsed(request, Move)
    async with db_of(request).transaction() as tx:
        item = await triage.override(
            tx,
            actor_of(request),
            item_id=int_param(request, "item_id"),
            status=body.to,
            reason=body.reason,
        )
    return JSONResponse(item_json(item))


@takes(Pull)
async def pull_item(request: Request) -> Response:
    """A member pulls an item out of the consent block (until the block is adopted).

    Body: {"reason": "..."} (optional).
    """
    body = await parsed(request, Pull)
    async with db_of(request).transaction() as tx:
        item = await triage.pull(
            tx, actor_of(request), item_id=int_param(request, "item_id"), reason=body.reason
        )
    return JSONResponse(item_json(item))


async def remind_positions(request: Request) -> Response:
    """Remind every member who has not given all positions (and their assistants)."""
    async with db_of(request).transaction() as tx:
        count = await reminders.remind_positions_now(
            tx, actor_of(request), int_param(request, "meeting_id")
        )
    return JSONResponse({"notified": count})


async def open_for_me(request: Request) -> Response:
    """What is still open for me: items without my position, polls without my answer."""
    async with db_of(request).transaction() as tx:
        work = await reminders.open_for(tx, actor_of(request))
    return JSONResponse(
        {
            "positions": [
                {
                    "meeting": m.id,
                    "title": m.title,
                    "membership": seat.id,
                    "deadline": positions.deadline_of(m).isoformat(),
                    "items": [i.id for i in items],
                }
                for m, seat, items in work.positions
            ],
            "polls": [
                {
                    "id": p.id,
                    "title": p.title,
                    "deadline": p.deadline.isoformat() if p.deadline else None,
                }
                for p in work.polls
            ],
        }
    )


def notification_json(row: Notification, locale: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "subject": row.subject,
        "text": gettext_for(locale)(row.message, **row.params),
        "link": row.link,
        "createdAt": row.created_at.isoformat(),
        "readAt": row.read_at.isoformat() if row.read_at else None,
    }


async def my_notifications(request: Request) -> Response:
    """My latest notifications, newest first, in my language."""
    locale = locale_of(request)
    async with db_of(request).transaction() as tx:
        rows = await notifications.notifications_of(tx, actor_of(request))
    return JSONResponse({"notifications": [notification_json(r, locale) for r in rows]})


@takes(ReadNotices)
async def read_notifications(request: Request) -> Response:
    """Mark one notification read ({"id": n}), or all of them ({})."""
    body = await parsed(request, ReadNotices)
    async with db_of(request).transaction() as tx:
        count = await notifications.mark_read(tx, actor_of(request), body.id)
    return JSONResponse({"read": count})


@takes(Assists)
async def assign_assistant(request: Request) -> Response:
    """Make a seat the assistant of a member ({"member": <seat id>}), or of nobody
    ({"member": null}); the secretariat records it.

    The assistant drafts the member's written positions and receives their reminders.
    """
    body = await parsed(request, Assists)
    async with db_of(request).transaction() as tx:
        seat = await assistants.assign(
            tx,
            actor_of(request),
            assistant_id=int_param(request, "membership_id"),
            member_id=body.member,
        )
    return JSONResponse({"membership": seat.id, "assists": seat.assists_id})


def routes() -> list[BaseRoute]:
    return [
        api("/api/items/{item_id:int}/positions/me", give_my_position, methods=["PUT"]),
        api("/api/items/{item_id:int}/positions/me/submit", submit_my_draft, methods=["POST"]),
        api(
            "/api/items/{item_id:int}/positions/{member_id:int}/draft",
            draft_position,
            methods=["PUT"],
        ),
        api("/api/items/{item_id:int}/positions/{member_id:int}/history", position_history),
        api("/api/items/{item_id:int}/move", move_item, methods=["POST"]),
        api("/api/items/{item_id:int}/pull", pull_item, methods=["POST"]),
        api("/api/meetings/{meeting_id:int}/positions", position_matrix),
        api("/api/meetings/{meeting_id:int}/positions/me", my_positions),
        api("/api/meetings/{meeting_id:int}/triage", show_triage),
        api("/api/meetings/{meeting_id:int}/triage", run_triage, methods=["POST"]),
        api("/api/meetings/{meeting_id:int}/reminders", remind_positions, methods=["POST"]),
        api("/api/memberships/{membership_id:int}/assists", assign_assistant, methods=["PUT"]),
        api("/api/me/open", open_for_me),
        api("/api/me/notifications", my_notifications),
        api("/api/me/notifications/read", read_notifications, methods=["POST"]),
    ]

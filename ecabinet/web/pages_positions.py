"""The member's pages: written positions on a tablet, what is still open, notifications."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from ..actions import notifications, positions, reminders, triage
from ..errors import Conflict, ValidationFailed
from ..i18n import gettext_for
from ..vocab import Stance
from .common import actor_of, db_of, int_param
from .inputs import positive_int
from .page_helpers import page_tools
from .routing import page
from .templating import locale_of, render


def stance_tools() -> dict[str, Any]:
    return {
        "stances": [s.value for s in Stance],
        "stance_labels": positions.STANCE_LABELS,
        "stance_symbols": positions.STANCE_SYMBOLS,
        "missing_symbol": positions.MISSING_SYMBOL,
        "status_labels": triage.STATUS_LABELS,
        "open_states": positions.OPEN_ITEM_STATES,
    }


def sheet_address(meeting_id: int, member: int | None) -> str:
    return f"/meetings/{meeting_id}/positions" + (f"?member={member}" if member else "")


async def _sheet_page(
    request: Request,
    *,
    member: int | None,
    status: int = 200,
    errors: dict[int, str] | None = None,
    entered: dict[int, dict[str, str]] | None = None,
) -> Response:
    async with db_of(request).transaction() as tx:
        sheet = await positions.member_sheet(
            tx, actor_of(request), int_param(request, "meeting_id"), member_id=member
        )
    return render(
        request,
        "positions.html",
        {
            **page_tools(request),
            **stance_tools(),
            "sheet": sheet,
            "member": member,
            "deadline": positions.deadline_of(sheet.meeting),
            "errors": errors or {},
            "entered": entered or {},
        },
        status=status,
    )


async def positions_page(request: Request) -> Response:
    return await _sheet_page(request, member=positive_int(request.query_params.get("member")))


async def save_position(request: Request) -> Response:
    """The member submits (or the assistant drafts) one item's position; a refusal comes
    back on the same page, beside the item, with what was typed."""
    form = await request.form()
    stance, text = str(form.get("stance") or ""), str(form.get("text") or "")
    member = positive_int(str(form.get("member") or "")) or None
    meeting_id, item_id = int_param(request, "meeting_id"), int_param(request, "item_id")
    try:
        async with db_of(request).transaction() as tx:
            context = await positions.item_context(tx, item_id)
            if context.meeting.id != meeting_id:
                raise ValidationFailed("This item is not on this meeting's agenda.")
            if member is None:
                await positions.give_position(
                    tx, actor_of(request), item_id=item_id, stance=stance, text=text
                )
            else:
                await positions.draft_position(
                    tx,
                    actor_of(request),
                    item_id=item_id,
                    member_id=member,
                    stance=stance,
                    text=text,
                )
    except (ValidationFailed, Conflict) as error:
        _ = gettext_for(locale_of(request))
        return await _sheet_page(
            request,
            member=member,
            status=error.status,
            errors={item_id: _(error.message, **error.params)},
            entered={item_id: {"stance": stance, "text": text}},
        )
    return RedirectResponse(f"{sheet_address(meeting_id, member)}#item-{item_id}", status_code=303)


async def submit_draft(request: Request) -> Response:
    """The member submits the draft as the revision the page showed them."""
    meeting_id, item_id = int_param(request, "meeting_id"), int_param(request, "item_id")
    form = await request.form()
    shown = str(form.get("revision") or "")
    try:
        async with db_of(request).transaction() as tx:
            await positions.submit_draft(
                tx,
                actor_of(request),
                item_id=item_id,
                revision=int(shown) if shown.isdigit() else -1,
            )
    except (Conflict, ValidationFailed) as error:
        _ = gettext_for(locale_of(request))
        return await _sheet_page(
            request,
            member=None,
            status=error.status,
            errors={item_id: _(error.message, **error.params)},
        )
    return RedirectResponse(f"{sheet_address(meeting_id, None)}#item-{item_id}", status_code=303)


async def open_page(request: Request) -> Response:
    """What is still open for me, and my unread notifications."""
    actor = actor_of(request)
    async with db_of(request).transaction() as tx:
        work = await reminders.open_for(tx, actor)
        notes = [n for n in await notifications.notifications_of(tx, actor) if n.read_at is None]
    return render(
        request,
        "open.html",
        {**page_tools(request), "work": work, "notes": notes, "deadline_of": positions.deadline_of},
    )


async def notifications_page(request: Request) -> Response:
    async with db_of(request).transaction() as tx:
        notes = await notifications.notifications_of(tx, actor_of(request), limit=200)
    return render(request, "notifications.html", {**page_tools(request), "notes": notes})


async def read_notifications(request: Request) -> Response:
    async with db_of(request).transaction() as tx:
        await notifications.mark_read(tx, actor_of(request))
    return RedirectResponse("/notifications", status_code=303)


def routes() -> list[BaseRoute]:
    return [
        page("/meetings/{meeting_id:int}/positions", positions_page, name="positions"),
        page(
            "/meetings/{meeting_id:int}/positions/{item_id:int}",
            save_position,
            methods=["POST"],
            name="save_position",
        ),
        page(
            "/meetings/{meeting_id:int}/positions/{item_id:int}/submit",
            submit_draft,
            methods=["POST"],
            name="submit_position_draft",
        ),
        page("/open", open_page, name="open_work"),
        page("/notifications", notifications_page, name="notifications"),
        page(
            "/notifications/read", read_notifications, methods=["POST"], name="read_notifications"
        ),
    ]

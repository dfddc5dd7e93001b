"""The private calendar feed (.ics at a secret address) and each member's answer before
the meeting (attend, remotely, apologies with a stand-in)."""

from __future__ import annotations

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute

from ..actions import attendance_plans, calendar
from ..actions.access import ensure_prepares, load_meeting
from ..db import Tx
from ..i18n import N_
from ..vocab import PlannedAttendance
from .bodies import CamelBody, Id, example, parsed, takes
from .common import actor_of, db_of, int_param, settings_of
from .inputs import positive_int
from .page_helpers import page_tools
from .routing import api, page
from .templating import render

ANSWER_LABELS: dict[str, str] = {
    PlannedAttendance.ATTEND.value: N_("I will attend"),
    PlannedAttendance.REMOTE.value: N_("I will attend remotely"),
    PlannedAttendance.APOLOGIES.value: N_("I send my apologies"),
}


async def calendar_feed(request: Request) -> Response:
    """The person's calendar (text/calendar); the secret in the address is the key."""
    token = request.path_params["token"]
    settings = settings_of(request)
    async with db_of(request).transaction() as tx:
        person = await calendar.owner_of(tx, token)
        data = await calendar.feed(tx, settings.origin, person)
    return Response(
        data,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, no-store"},
    )


async def calendar_page(request: Request, url: str = "") -> Response:
    async with db_of(request).transaction() as tx:
        active = await calendar.has_feed(tx, actor_of(request))
    return render(request, "calendar.html", {**page_tools(request), "active": active, "url": url})


async def new_calendar(request: Request) -> Response:
    async with db_of(request).transaction() as tx:
        token = await calendar.new_feed(tx, actor_of(request))
    return await calendar_page(request, f"{settings_of(request).origin}/calendar/{token}.ics")


async def revoke_calendar(request: Request) -> Response:
    async with db_of(request).transaction() as tx:
        await calendar.revoke(tx, actor_of(request))
    return RedirectResponse("/me/calendar", status_code=303)


async def attendance_page(request: Request) -> Response:
    meeting_id = int_param(request, "meeting_id")
    async with db_of(request).transaction() as tx:
        meeting = await load_meeting(tx.session, meeting_id)
        plan, deputies = await attendance_plans.mine(tx, actor_of(request), meeting)
        items = await attendance_plans.items_of(tx, meeting) if deputies else []
    return render(
        request,
        "attendance_plan.html",
        {
            **page_tools(request),
            "meeting": meeting,
            "plan": plan,
            "deputies": deputies,
            "items": items,
            "answer_labels": ANSWER_LABELS,
            "saved": request.query_params.get("saved") == "1",
        },
    )


async def save_attendance(request: Request) -> Response:
    meeting_id = int_param(request, "meeting_id")
    form = await request.form()
    async with db_of(request).transaction() as tx:
        await attendance_plans.answer(
            tx,
            actor_of(request),
            meeting_id,
            str(form.get("answer", "")),
            stand_in=positive_int(str(form.get("standIn") or "")),
            stand_in_items=[
                number
                for value in form.getlist("standInItems")
                if (number := positive_int(str(value))) is not None
            ],
            note=str(form.get("note", "")),
        )
    return RedirectResponse(f"/meetings/{meeting_id}/attendance?saved=1", status_code=303)


class AttendanceAnswer(CamelBody):
    """Whether I will attend, and my deputy if I send one."""

    model_config = example({"answer": "remote", "note": "Đang công tác."})
    answer: PlannedAttendance
    stand_in: Id | None = None
    stand_in_items: list[Id] = Field(
        default_factory=list,
        description="The agenda items the stand-in's mandate is limited to; none: all.",
    )
    note: str = ""


@takes(AttendanceAnswer)
async def my_attendance(request: Request) -> Response:
    """Answer whether I will attend: {"answer": "attend" | "remote" | "apologies",
    "standIn": <deputy's seat>, "standInItems": [<item>, ...], "note": "..."}; with items
    the stand-in attends and (where the body allows) votes on those items only."""
    body = await parsed(request, AttendanceAnswer)
    async with db_of(request).transaction() as tx:
        row = await attendance_plans.answer(
            tx,
            actor_of(request),
            int_param(request, "meeting_id"),
            body.answer,
            stand_in=body.stand_in,
            stand_in_items=body.stand_in_items,
            note=body.note,
        )
    return JSONResponse(
        {
            "seat": row.membership_id,
            "answer": row.answer,
            "standIn": row.stand_in_membership_id,
            "standInItems": row.stand_in_items,
        }
    )


async def expected(tx: Tx, meeting_id: int) -> dict[str, object]:
    meeting = await load_meeting(tx.session, meeting_id)
    rows, quorum = await attendance_plans.plans_of(tx, meeting)
    return {"plans": rows, "expected": quorum, "answer_labels": ANSWER_LABELS}


async def attendance_plans_json(request: Request) -> Response:
    """The members' answers and the quorum they promise (for the secretariat)."""
    async with db_of(request).transaction() as tx:
        meeting = await load_meeting(tx.session, int_param(request, "meeting_id"))
        ensure_prepares(actor_of(request), meeting.body_id)
        rows, quorum = await attendance_plans.plans_of(tx, meeting)
    return JSONResponse(
        {
            "members": quorum.members,
            "coming": quorum.coming,
            "needed": quorum.needed,
            "unanswered": quorum.unanswered,
            "atRisk": quorum.at_risk,
            "seats": [
                {
                    "seat": r.membership.id,
                    "name": r.person.full_name,
                    "answer": r.plan.answer if r.plan else None,
                    "standIn": r.plan.stand_in_membership_id if r.plan else None,
                }
                for r in rows
            ],
        }
    )


def routes() -> list[BaseRoute]:
    return [
        page("/calendar/{token}.ics", calendar_feed, name="calendar_feed", public=True),
        page("/me/calendar", calendar_page, name="calendar"),
        page("/me/calendar", new_calendar, methods=["POST"], name="new_calendar"),
        page("/me/calendar/revoke", revoke_calendar, methods=["POST"], name="revoke_calendar"),
        page("/meetings/{meeting_id:int}/attendance", attendance_page, name="attendance_plan"),
        page(
            "/meetings/{meeting_id:int}/attendance",
            save_attendance,
            methods=["POST"],
            name="save_attendance_plan",
        ),
        api("/api/meetings/{meeting_id:int}/attendance-plans/me", my_attendance, methods=["PUT"]),
        api("/api/meetings/{meeting_id:int}/attendance-plans", attendance_plans_json),
    ]

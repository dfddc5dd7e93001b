"""Follow-up tasks: assigned from a conclusion (API), reported on by the agency, the
board per body with its filters and CSV export, and each task's page."""

from __future__ import annotations

from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute

from ..actions import tasks
from ..i18n import N_
from ..models import FollowUpTask
from ..vocab import TaskState
from .bodies import CamelBody, Id, Required, example, parsed, takes
from .common import actor_of, db_of, int_param
from .inputs import positive_int
from .page_helpers import page_tools
from .routing import api, page
from .templating import render

STATE_LABELS: dict[str, str] = {
    TaskState.ASSIGNED.value: N_("assigned"),
    TaskState.IN_PROGRESS.value: N_("in progress"),
    TaskState.DONE.value: N_("done"),
    TaskState.CANCELLED.value: N_("cancelled"),
}


def task_json(task: FollowUpTask, overdue: bool) -> dict[str, Any]:
    return {
        "id": task.id,
        "meeting": task.meeting_id,
        "item": task.item_id,
        "agency": task.agency,
        "membership": task.membership_id,
        "text": task.text,
        "deadline": task.deadline.isoformat(),
        "state": task.state,
        "overdue": overdue,
        "doneAt": task.done_at.isoformat() if task.done_at else None,
        "link": f"/meetings/{task.meeting_id}",
    }


class NewTask(CamelBody):
    """A follow-up task: who does what by when."""

    model_config = example(
        {
            "agency": "Sở Tài chính",
            "text": "Hoàn thiện dự thảo.",
            "deadline": "2030-06-30T17:00",
            "membership": 1,
        }
    )
    agency: str = ""
    text: str = ""
    deadline: Required
    membership: Id | None = None


class TaskReport(CamelBody):
    """The agency's report on its task."""

    model_config = example({"state": "in_progress", "note": "Đang lấy ý kiến."})
    state: Literal["in_progress", "done", "cancelled"]
    note: str = ""


@takes(NewTask)
async def assign(request: Request) -> Response:
    """Assign a follow-up task from this item's conclusion: {"agency", "text", "deadline"
    (local time, 2030-06-30T17:00), "membership" (the responsible member's seat)}."""
    body = await parsed(request, NewTask)
    async with db_of(request).transaction() as tx:
        task = await tasks.assign(
            tx,
            actor_of(request),
            int_param(request, "item_id"),
            agency=body.agency,
            text=body.text,
            deadline=body.deadline,
            membership_id=body.membership,
        )
    return JSONResponse(task_json(task, False), status_code=201)


@takes(TaskReport)
async def report(request: Request) -> Response:
    """Report on a task: {"state": "in_progress" | "done" | "cancelled", "note": "..."}."""
    body = await parsed(request, TaskReport)
    async with db_of(request).transaction() as tx:
        task = await tasks.update(
            tx, actor_of(request), int_param(request, "task_id"), state=body.state, note=body.note
        )
    return JSONResponse(task_json(task, False))


def _filters(request: Request) -> dict[str, Any]:
    query = request.query_params
    return {
        "agency": query.get("agency", ""),
        "state": query.get("state", ""),
        "meeting_id": positive_int(query.get("meeting")),
    }


async def board_json(request: Request) -> Response:
    """The body's tasks; filters ?agency=, ?meeting=, ?state= (or overdue)."""
    async with db_of(request).transaction() as tx:
        rows = await tasks.board(
            tx, actor_of(request), int_param(request, "body_id"), **_filters(request)
        )
    return JSONResponse({"tasks": [task_json(r.task, r.overdue) for r in rows]})


async def board_page(request: Request) -> Response:
    body_id = int_param(request, "body_id")
    filters = _filters(request)
    async with db_of(request).transaction() as tx:
        everything = await tasks.board(tx, actor_of(request), body_id)
        rows = await tasks.board(tx, actor_of(request), body_id, **filters)
    return render(
        request,
        "tasks.html",
        {
            **page_tools(request),
            "rows": rows,
            "body_id": body_id,
            "filters": filters,
            "agencies": sorted({r.task.agency for r in everything}),
            "meetings": sorted({(r.meeting.id, r.meeting.title) for r in everything}),
            "state_labels": STATE_LABELS,
            "query": request.url.query,
        },
    )


async def board_csv(request: Request) -> Response:
    body_id = int_param(request, "body_id")
    async with db_of(request).transaction() as tx:
        rows = await tasks.board(tx, actor_of(request), body_id, **_filters(request))
    return Response(
        tasks.to_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="tasks-{body_id}.csv"'},
    )


async def task_page(request: Request) -> Response:
    async with db_of(request).transaction() as tx:
        row, updates, agency, office = await tasks.detail(
            tx, actor_of(request), int_param(request, "task_id")
        )
    moves = (
        [
            s
            for s in TaskState
            if s is not TaskState.ASSIGNED and (office or s in tasks.AGENCY_MOVES)
        ]
        if (agency or office)
        else []
    )
    return render(
        request,
        "task.html",
        {
            **page_tools(request),
            "row": row,
            "updates": updates,
            "moves": moves,
            "state_labels": STATE_LABELS,
        },
    )


async def save_report(request: Request) -> Response:
    task_id = int_param(request, "task_id")
    form = await request.form()
    async with db_of(request).transaction() as tx:
        await tasks.update(
            tx,
            actor_of(request),
            task_id,
            state=str(form.get("state", "")),
            note=str(form.get("note", "")),
        )
    return RedirectResponse(f"/tasks/{task_id}", status_code=303)


def routes() -> list[BaseRoute]:
    return [
        api("/api/items/{item_id:int}/tasks", assign, methods=["POST"]),
        api("/api/tasks/{task_id:int}/updates", report, methods=["POST"]),
        api("/api/bodies/{body_id:int}/tasks", board_json),
        page("/bodies/{body_id:int}/tasks", board_page, name="tasks"),
        page("/bodies/{body_id:int}/tasks.csv", board_csv, name="tasks_csv"),
        page("/tasks/{task_id:int}", task_page, name="task"),
        page("/tasks/{task_id:int}", save_report, methods=["POST"], name="report_task"),
    ]

"""Follow-up tasks (theo dõi nhiệm vụ): a conclusion assigns a task to an agency; the
agency reports it in progress and done; an overdue task is reminded and escalated to the
Government Office; the board filters and exports CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import httpx
from sqlmodel import select

from ecabinet.db import Database
from ecabinet.models import Membership, Notification, utcnow
from ecabinet.settings import Settings
from ecabinet.sweeper import sweep_once

from .support.deliberation import execute, make_meeting, signed_in
from .support.factories import seat_people


async def _seat_of(db: Database, person_id: int) -> int:
    async with db.read() as session:
        seat = (
            await session.exec(select(Membership).where(Membership.person_id == person_id))
        ).one()
    assert seat.id is not None
    return seat.id


async def test_a_task_goes_from_the_conclusion_to_done_and_an_overdue_one_is_escalated(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    body_id = seats["member"].body_id
    # Positions due far ahead: the sweeps below remind of tasks only.
    meeting, items = await make_meeting(db, body_id, items=1, deadline_in=timedelta(days=10))
    minister = await _seat_of(db, seats["member"].person_id)
    async with signed_in(
        client, settings, [seats["member"], seats["secretariat"], seats["chair"]]
    ) as people:
        member, office, chair = people
        for who in people:
            who.client.cookies.set("ecab_lang", "en")
        due = (utcnow() + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")
        order = {
            "agency": "Bộ Tài chính",
            "membership": minister,
            "deadline": due,
            "text": "Hoàn thiện dự thảo Nghị định, trình Thủ tướng Chính phủ.",
        }
        refused = await member.client.post(f"/api/items/{items[0]}/tasks", json=order)
        assert refused.status_code == 403
        made = await office.client.post(f"/api/items/{items[0]}/tasks", json=order)
        assert made.status_code == 201, made.text
        task = made.json()
        assert (task["state"], task["link"]) == ("assigned", f"/meetings/{meeting}")
        notes = (await member.client.get("/api/me/notifications")).json()["notifications"]
        assert notes[0]["kind"] == "task.assigned"
        assert notes[0]["link"] == f"/tasks/{task['id']}"
        url = f"/api/tasks/{task['id']}/updates"
        # The chair's office does not report for the Ministry of Finance.
        assert (
            await chair.client.post(url, json={"state": "done", "note": "x"})
        ).status_code == 403
        cancel = await member.client.post(url, json={"state": "cancelled", "note": "Không"})
        assert cancel.status_code == 403
        assert "only the Government Office cancels it" in cancel.json()["detail"]
        for state, note in (("in_progress", "Đã lấy ý kiến các bộ."), ("done", "Đã trình hồ sơ.")):
            moved = await member.client.post(url, json={"state": state, "note": note})
            assert moved.status_code == 200, moved.text
            assert moved.json()["state"] == state
        again = await member.client.post(url, json={"state": "in_progress", "note": "Lại"})
        assert again.status_code == 409
        page = (await member.client.get(f"/tasks/{task['id']}")).text
        assert "Đã lấy ý kiến các bộ." in page and "Đã trình hồ sơ." in page
        assert f'href="/meetings/{meeting}"' in page
        office_notes = (await office.client.get("/api/me/notifications")).json()
        assert [n["kind"] for n in office_notes["notifications"]] == ["task.updated"] * 2

        late = await office.client.post(
            f"/api/items/{items[0]}/tasks",
            json={**order, "text": "Báo cáo đánh giá tác động chính sách."},
        )
        late_id = late.json()["id"]
        await execute(
            db,
            "UPDATE followup_task SET deadline = :at WHERE id = :id",
            at=utcnow() + timedelta(hours=1),
            id=late_id,
        )
        first = await sweep_once(db, settings)
        assert first.reminded == 1  # the 2-hour reminder to the minister
        await execute(
            db,
            "UPDATE followup_task SET deadline = :at WHERE id = :id",
            at=utcnow() - timedelta(hours=1),
            id=late_id,
        )
        escalated = await sweep_once(db, settings)
        assert escalated.escalated == 1
        assert (await sweep_once(db, settings)).escalated == 0  # once
        async with db.read() as session:
            overdue = (
                await session.exec(select(Notification).where(Notification.kind == "task.overdue"))
            ).all()
        assert sorted(n.person_id for n in overdue) == sorted(
            [seats["member"].person_id, seats["secretariat"].person_id]
        )

        board = (await chair.client.get(f"/api/bodies/{body_id}/tasks?state=overdue")).json()
        assert [t["id"] for t in board["tasks"]] == [late_id]
        done = (await chair.client.get(f"/api/bodies/{body_id}/tasks?state=done")).json()
        assert [t["id"] for t in done["tasks"]] == [task["id"]]
        exported = await office.client.get(
            f"/bodies/{body_id}/tasks.csv?agency=B%E1%BB%99+T%C3%A0i+ch%C3%ADnh"
        )
        assert exported.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        # By deadline: the overdue one first.
        assert [(r["state"], r["overdue"]) for r in rows] == [("assigned", "yes"), ("done", "no")]
        html = (await chair.client.get(f"/bodies/{body_id}/tasks?meeting={meeting}")).text
        assert html.count('class="task-row') == 2 and "task-row overdue" in html

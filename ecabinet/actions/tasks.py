"""Follow-up tasks (theo dõi nhiệm vụ): a conclusion assigns a task to an agency with a
deadline; the agency's secretariat (the responsible member and their assistants) reports
its progress with a note; the sweeper reminds before the deadline and, once it has passed,
escalates the overdue task to the Government Office (the body's secretariat)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from .. import audit
from ..auth.actor import Actor
from ..auth.permissions import Permission, can, ensure, ensure_signed_in
from ..db import Tx
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..i18n import N_
from ..models import AgendaItem, FollowUpTask, Meeting, Membership, TaskUpdate, utcnow
from ..vocab import MeetingState, NoticeKind, Role, TaskState
from . import notifications
from .access import load_item, load_meeting

OPEN_STATES = (TaskState.ASSIGNED.value, TaskState.IN_PROGRESS.value)
# Who may move a task where: the agency reports progress and completion; only the
# Government Office cancels (a conclusion is withdrawn by those who recorded it).
AGENCY_MOVES = {TaskState.IN_PROGRESS, TaskState.DONE}
MAX_TEXT = 4000


@dataclass(frozen=True)
class TaskRow:
    task: FollowUpTask
    meeting: Meeting
    item: AgendaItem | None

    @property
    def overdue(self) -> bool:
        return self.task.state in OPEN_STATES and self.task.deadline < utcnow()


async def _responsible_people(tx: Tx, task: FollowUpTask) -> list[int]:
    if task.membership_id is None:
        return []
    seat = await tx.session.get(Membership, task.membership_id)
    return await notifications.with_assistants(tx, [seat]) if seat else []


async def _office(tx: Tx, body_id: int) -> list[int]:
    """The Government Office: the body's secretariat."""
    return sorted(
        set(
            (
                await tx.session.exec(
                    select(Membership.person_id).where(
                        Membership.body_id == body_id,
                        Membership.role == Role.SECRETARIAT.value,
                        col(Membership.active),
                    )
                )
            ).all()
        )
    )


def _stamp(when: datetime) -> str:
    return notifications.stamp(when)


async def assign(
    tx: Tx,
    actor: Actor,
    item_id: int,
    *,
    agency: str,
    text: str,
    deadline: datetime | None,
    membership_id: int | None = None,
) -> FollowUpTask:
    """Record a task that the conclusion on this item assigns."""
    item = await load_item(tx.session, item_id)
    meeting = await load_meeting(tx.session, item.meeting_id)
    ensure(actor, Permission.PREPARE_MEETINGS, meeting.body_id)
    if meeting.state == MeetingState.DRAFT.value:
        raise Conflict("A draft meeting has no conclusions to assign tasks from.")
    if not agency.strip() or len(agency) > 255:
        raise ValidationFailed("Name the agency responsible (at most 255 characters).")
    if not text.strip() or len(text) > MAX_TEXT:
        raise ValidationFailed(
            "Say what the task is (at most %(limit)s characters).", limit=MAX_TEXT
        )
    if deadline is None:
        raise ValidationFailed("A task needs a deadline.")
    if membership_id is not None:
        seat = await tx.session.get(Membership, membership_id)
        if seat is None or seat.body_id != meeting.body_id or not seat.active:
            raise ValidationFailed("The responsible member must sit in this body.")
    assert meeting.id is not None
    task = FollowUpTask(
        body_id=meeting.body_id,
        meeting_id=meeting.id,
        item_id=item.id,
        membership_id=membership_id,
        agency=agency.strip(),
        text=text.strip(),
        deadline=deadline,
        created_by_id=actor.person_id,
    )
    tx.session.add(task)
    await tx.session.flush()
    await audit.record(
        tx.session,
        "task.assigned",
        actor_id=actor.person_id,
        body_id=meeting.body_id,
        subject=f"task:{task.id}",
        meeting=meeting.id,
        item=item.id,
        agency=task.agency,
        deadline=task.deadline.isoformat(),
    )
    await notifications.notify(
        tx,
        await _responsible_people(tx, task),
        kind=NoticeKind.TASK_ASSIGNED,
        body_id=task.body_id,
        subject=f"task:{task.id}",
        link=f"/tasks/{task.id}",
        message=N_(
            'The conclusion of "%(meeting)s" assigns %(agency)s a task due %(deadline)s: %(text)s'
        ),
        meeting=meeting.title,
        agency=task.agency,
        deadline=_stamp(task.deadline),
        text=task.text[:300],
    )
    return task


async def _visible(tx: Tx, actor: Actor, task_id: int) -> FollowUpTask:
    ensure_signed_in(actor)
    task = await tx.session.get(FollowUpTask, task_id)
    if task is None or not can(actor, Permission.VIEW_BODY, task.body_id):
        raise NotFound("There is no task with the number %(id)s.", id=task_id)
    return task


async def reports_for(tx: Tx, actor: Actor, task: FollowUpTask) -> bool:
    """Whether the actor speaks for the responsible agency."""
    return actor.person_id in await _responsible_people(tx, task)


async def update(tx: Tx, actor: Actor, task_id: int, *, state: str, note: str) -> FollowUpTask:
    task = await _visible(tx, actor, task_id)
    try:
        target = TaskState(state)
    except ValueError:
        raise ValidationFailed(
            "The state must be assigned, in_progress, done or cancelled."
        ) from None
    office = can(actor, Permission.PREPARE_MEETINGS, task.body_id)
    agency = await reports_for(tx, actor, task)
    if not office and not (agency and target in AGENCY_MOVES):
        raise Forbidden(
            "Only the responsible agency reports on this task, and only the "
            "Government Office cancels it."
        )
    if task.state not in OPEN_STATES:
        raise Conflict("This task is already %(state)s.", state=task.state)
    if not note.strip():
        raise ValidationFailed("Add a note saying what was done.")
    before = task.state
    task.state, task.updated_at = target.value, utcnow()
    if target is TaskState.DONE:
        task.done_at = task.updated_at
    tx.session.add(task)
    tx.session.add(
        TaskUpdate(
            task_id=task.id or 0,
            person_id=actor.person_id,
            state=target.value,
            note=note.strip()[:MAX_TEXT],
        )
    )
    await tx.session.flush()
    await audit.record(
        tx.session,
        "task.updated",
        actor_id=actor.person_id,
        body_id=task.body_id,
        subject=f"task:{task.id}",
        before=before,
        after=target.value,
    )
    watchers = set(await _office(tx, task.body_id)) | set(await _responsible_people(tx, task))
    await notifications.notify(
        tx,
        watchers - {actor.person_id},
        kind=NoticeKind.TASK_UPDATED,
        body_id=task.body_id,
        subject=f"task:{task.id}",
        link=f"/tasks/{task.id}",
        message=N_("Task of %(agency)s (%(text)s): now %(state)s. %(note)s"),
        agency=task.agency,
        text=task.text[:120],
        state=target.value,
        note=note.strip()[:300],
    )
    return task


async def detail(
    tx: Tx, actor: Actor, task_id: int
) -> tuple[TaskRow, list[TaskUpdate], bool, bool]:
    """The task, its reports, whether the actor reports for the agency, and whether they
    are the Government Office."""
    task = await _visible(tx, actor, task_id)
    meeting = await load_meeting(tx.session, task.meeting_id)
    item = await tx.session.get(AgendaItem, task.item_id) if task.item_id else None
    updates = list(
        (
            await tx.session.exec(
                select(TaskUpdate).where(TaskUpdate.task_id == task.id).order_by(col(TaskUpdate.id))
            )
        ).all()
    )
    return (
        TaskRow(task, meeting, item),
        updates,
        await reports_for(tx, actor, task),
        can(actor, Permission.PREPARE_MEETINGS, task.body_id),
    )


async def board(
    tx: Tx,
    actor: Actor,
    body_id: int,
    *,
    agency: str = "",
    meeting_id: int | None = None,
    state: str = "",
) -> list[TaskRow]:
    """The body's tasks, filtered; ``state`` may also be "overdue"."""
    ensure(actor, Permission.VIEW_BODY, body_id)
    query = (
        select(FollowUpTask, Meeting)
        .join(Meeting, col(Meeting.id) == FollowUpTask.meeting_id)
        .where(FollowUpTask.body_id == body_id)
    )
    if agency:
        query = query.where(FollowUpTask.agency == agency)
    if meeting_id is not None:
        query = query.where(FollowUpTask.meeting_id == meeting_id)
    if state and state != "overdue":
        query = query.where(FollowUpTask.state == state)
    rows = (
        await tx.session.exec(query.order_by(col(FollowUpTask.deadline), col(FollowUpTask.id)))
    ).all()
    items = {
        i.id: i
        for i in (
            await tx.session.exec(
                select(AgendaItem).where(
                    col(AgendaItem.id).in_([t.item_id for t, _m in rows if t.item_id])
                )
            )
        ).all()
    }
    result = [TaskRow(t, m, items.get(t.item_id)) for t, m in rows]
    return [r for r in result if r.overdue] if state == "overdue" else result


def to_csv(rows: list[TaskRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["task", "meeting", "item", "agency", "text", "deadline", "state", "overdue", "done_at"]
    )
    for row in rows:
        task = row.task
        writer.writerow(
            [
                task.id,
                row.meeting.title,
                row.item.title if row.item else "",
                task.agency,
                task.text,
                task.deadline.isoformat(),
                task.state,
                "yes" if row.overdue else "no",
                task.done_at.isoformat() if task.done_at else "",
            ]
        )
    return out.getvalue()


async def remind_due(tx: Tx, leads: list[int]) -> int:
    """Before the deadline: the agency is reminded at each lead time."""
    sent = 0
    open_tasks = (
        await tx.session.exec(
            select(FollowUpTask).where(
                col(FollowUpTask.state).in_(OPEN_STATES), FollowUpTask.deadline > utcnow()
            )
        )
    ).all()
    for task in open_tasks:
        sent += len(
            await notifications.remind(
                tx,
                await _responsible_people(tx, task),
                leads=leads,
                due_at=task.deadline,
                kind=NoticeKind.TASK_REMINDER,
                subject=f"task:{task.id}",
                body_id=task.body_id,
                link=f"/tasks/{task.id}",
                message=N_("Reminder: the task of %(agency)s is due %(deadline)s: %(text)s"),
                agency=task.agency,
                deadline=_stamp(task.deadline),
                text=task.text[:300],
            )
        )
    return sent


async def escalate_overdue(tx: Tx) -> int:
    """Past the deadline: the agency is told it is overdue and the Government Office is
    told too (once per task)."""
    overdue = (
        await tx.session.exec(
            select(FollowUpTask)
            .where(
                col(FollowUpTask.state).in_(OPEN_STATES),
                FollowUpTask.deadline <= utcnow(),
                col(FollowUpTask.escalated_at).is_(None),
            )
            .with_for_update(skip_locked=True)
        )
    ).all()
    for task in overdue:
        people = set(await _responsible_people(tx, task)) | set(await _office(tx, task.body_id))
        await notifications.notify(
            tx,
            people,
            kind=NoticeKind.TASK_OVERDUE,
            body_id=task.body_id,
            subject=f"task:{task.id}",
            link=f"/tasks/{task.id}",
            once=True,
            message=N_("Overdue since %(deadline)s: the task of %(agency)s: %(text)s"),
            agency=task.agency,
            deadline=_stamp(task.deadline),
            text=task.text[:300],
        )
        task.escalated_at = utcnow()
        tx.session.add(task)
        await audit.record(
            tx.session,
            "task.escalated",
            body_id=task.body_id,
            subject=f"task:{task.id}",
            agency=task.agency,
        )
    return len(overdue)

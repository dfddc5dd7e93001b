"""The periodic sweep of every server process: what happens because time passed.

- the triage at each meeting's opinion deadline;
- timed live votes closed at their deadline (``actions/live_votes.py``);
- written polls decided at their deadline (or settled by the answers already in);
- reminders at each lead time before a deadline (``reminder_lead_hours``), and overdue
  follow-up tasks escalated to the Government Office;
- the notification e-mails and Web Push messages that are due (retried while a channel
  is down);
- quarantines of recovered passkeys that ran out (the person is told);
- an anchor of the audit chain's head outside the database, every ``audit_anchor_minutes``;
- a new signed revision of each body's member key register whose keys changed, whatever
  changed them (``actions/key_register.py``).

Each step runs in its own transaction under row locks, so several processes sweeping the
same database do each thing once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import select

from .actions import (
    key_register,
    live_votes,
    minutes_notices,
    poll_results,
    quarantines,
    reminders,
    tasks,
    triage,
)
from .db import Database
from .models import Body, utcnow
from .notices import push
from .notices.mail import deliver_pending
from .operations.anchors import (
    SCHEDULE,
    anchor_head,
    anchor_minutes_heads,
    anchor_path,
    anchor_stamper,
    read_anchors,
)
from .settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Sweep:
    triaged: int = 0
    polls_closed: int = 0
    votes_closed: int = 0
    reminded: int = 0
    mailed: int = 0
    pushed: int = 0
    escalated: int = 0
    anchored: bool = False
    quarantines_ended: int = 0
    registers_published: int = 0


async def sweep_once(db: Database, settings: Settings) -> Sweep:
    done = Sweep()
    async with db.transaction() as tx:
        for meeting in await triage.meetings_due(tx):
            done.triaged += await triage.triage_if_due(tx, meeting)
    async with db.read_only() as reading:
        due = await live_votes.due_votes(reading)
    for poll_id in due:  # each in its own transaction: one vote's failure stops no other
        async with db.transaction() as tx:
            done.votes_closed += await live_votes.close_if_due(tx, poll_id) is not None
    async with db.transaction() as tx:
        for poll in await poll_results.open_polls(tx):
            assert poll.id is not None
            closed = await poll_results.close_if_due(
                tx, poll.id
            ) or await poll_results.settle_if_decided(tx, poll.id)
            done.polls_closed += closed
    async with db.transaction() as tx:
        leads = list(settings.reminder_lead_hours)
        done.reminded += await reminders.remind_positions_due(tx, leads)
        done.reminded += await poll_results.remind_due(tx, leads)
        done.reminded += await tasks.remind_due(tx, leads)
        done.reminded += await minutes_notices.remind_due(tx, leads)
    async with db.transaction() as tx:
        done.escalated = await tasks.escalate_overdue(tx)
    async with db.transaction() as tx:
        done.quarantines_ended = await quarantines.end_expired(tx)
    done.mailed = await deliver_pending(db, settings)
    done.pushed = await push.deliver_pending(db, settings)
    done.anchored = await anchor_if_due(db, settings)
    done.registers_published = await publish_registers(db, settings)
    return done


async def publish_registers(db: Database, settings: Settings) -> int:
    """A register revision for every body whose keys changed; none without a secretariat
    key to sign it (the administrator is told by the first export that fails)."""
    if not (settings.minutes_secretary_key or settings.minutes_secretary_pkcs11_module):
        return 0
    async with db.read() as session:
        bodies = [b for b in (await session.exec(select(Body.id))).all() if b is not None]
    published = 0
    for body_id in bodies:
        async with db.transaction() as tx:
            before = await key_register.latest_revision(tx, body_id)
            after = await key_register.publish_if_changed(tx, settings, body_id)
            published += before is None or after.revision != before.revision
    return published


async def anchor_if_due(db: Database, settings: Settings) -> bool:
    """The head every ``audit_anchor_minutes``, and each newly signed minutes' head, each
    time-stamped when a time-stamp authority is configured."""
    if settings.audit_anchor_minutes <= 0:
        return False
    path, stamper = anchor_path(settings), anchor_stamper(settings)
    async with db.read() as session:
        await anchor_minutes_heads(session, path, stamper=stamper)
    known = [a for a in read_anchors(path) if a.source == SCHEDULE]
    now = utcnow()
    if known and now - datetime.fromisoformat(known[-1].at) < timedelta(
        minutes=settings.audit_anchor_minutes
    ):
        return False
    async with db.read() as session:
        return await anchor_head(session, path, now=now, stamper=stamper) is not None


async def run_forever(db: Database, settings: Settings) -> None:
    """Sweep every ``sweep_seconds`` until cancelled; a failed sweep is logged, not fatal."""
    while True:
        try:
            await sweep_once(db, settings)
        except Exception:
            log.exception("sweep failed")
        await asyncio.sleep(settings.sweep_seconds)


def start(db: Database, settings: Settings) -> asyncio.Task[None] | None:
    if settings.sweep_seconds <= 0:
        return None
    return asyncio.create_task(run_forever(db, settings), name="ecabinet-sweeper")


async def stop(task: asyncio.Task[None] | None) -> None:
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task

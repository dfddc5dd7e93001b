"""Timed live votes closed at their deadline, not at the next sweep.

Each server process keeps one timer per timed vote it knows of: the votes it opened (it
hears their ``vote.opened`` after commit) and, on start, the ones already open. At the
deadline the timer runs the same idempotent ``live_votes.close_if_due`` as the sweeper,
under the poll's row lock, so whichever process (or sweep) comes first closes the vote
once and the others find it closed. The sweeper stays the backstop: for a process that
died, or a vote opened in another process.

A timer naps at most ``NAP_SECONDS`` at a time and reads the clock again after each nap,
so a clock that moves (``clock.moved`` in a test, a corrected system clock) is followed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from sqlmodel import col, select

from .actions import live_votes
from .db import Database
from .events import Event, EventKind
from .models import Poll, utcnow
from .vocab import PollKind, PollState

log = logging.getLogger(__name__)

NAP_SECONDS = 5.0
Sleep = Callable[[float], Awaitable[None]]


class VoteTimers:
    def __init__(self, db: Database, *, sleep: Sleep = asyncio.sleep) -> None:
        self.db = db
        self.sleep = sleep
        self.timers: dict[int, asyncio.Task[bool]] = {}
        self._unsubscribe: Callable[[], None] | None = None

    async def start(self) -> None:
        """Listen for votes opened here, and time those already open."""
        self._unsubscribe = self.db.bus.subscribe(self._heard)
        async with self.db.read() as session:
            rows = await session.exec(
                select(Poll.id).where(
                    Poll.kind == PollKind.LIVE.value,
                    Poll.state == PollState.OPEN.value,
                    col(Poll.deadline).is_not(None),
                )
            )
            for poll_id in rows.all():
                if poll_id is not None:
                    self.time(poll_id)

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        timers = list(self.timers.values())
        for timer in timers:
            timer.cancel()
        await asyncio.gather(*timers, return_exceptions=True)

    async def _heard(self, events: Sequence[Event]) -> None:
        for event in events:
            if event.kind == EventKind.VOTE_OPENED and event.data.get("deadline"):
                self.time(int(event.data["poll"]))

    def time(self, poll_id: int) -> asyncio.Task[bool]:
        """The timer of one vote (one per vote per process)."""
        timer = self.timers.get(poll_id)
        if timer is None:
            timer = asyncio.get_running_loop().create_task(
                self._close_at_deadline(poll_id), name=f"ecabinet-vote-timer-{poll_id}"
            )
            self.timers[poll_id] = timer
            timer.add_done_callback(lambda _: self.timers.pop(poll_id, None))
        return timer

    async def _close_at_deadline(self, poll_id: int) -> bool:
        """Close the vote at its deadline; True if this timer closed it."""
        try:
            async with self.db.read() as session:
                poll = await session.get(Poll, poll_id)
            if poll is None or poll.deadline is None or poll.state != PollState.OPEN.value:
                return False
            deadline = poll.deadline
            while (left := (deadline - utcnow()).total_seconds()) > 0:
                await self.sleep(min(left, NAP_SECONDS))
            async with self.db.transaction() as tx:
                return await live_votes.close_if_due(tx, poll_id) is not None
        except asyncio.CancelledError:
            raise
        except Exception:
            # The sweeper closes it at its next pass.
            log.exception("the timer of vote %s failed", poll_id)
            return False

"""One meeting's stream in one server process: events in, frames out, in order.

A single task per meeting takes whatever events arrived since it last ran, so a burst
of ballots becomes one message. When the batch is nothing but ballots that follow on
from what was sent, the message is a small ``tally`` carrying the count the last ballot's
transaction committed; anything else (or a gap in the numbers, e.g. events that arrived
out of order) is answered with a fresh ``state`` read once from the database, with the
member list only when presence changed (a tablet keeps the list it has otherwise). Either way
the frame is serialised once and the same text goes to every watcher.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from ..events import Event, EventKind
from . import frames
from .outbox import seq_of

log = logging.getLogger(__name__)

Snapshot = Callable[[int, bool], Awaitable[dict[str, Any] | None]]
# The events that change who is present: only then does a state carry the member list,
# which is most of its size in a large body.
PRESENCE = frozenset({EventKind.SESSION_CHECKED_IN, EventKind.ATTENDANCE_AWAY,
                      EventKind.ATTENDANCE_BACK})
Broadcast = Callable[[int, str], None]


def is_tally_run(batch: list[Event], last: int) -> bool:
    """Only ballots on one question, numbered straight on from ``last``."""
    if last == 0 or any(e.kind != EventKind.BALLOT_CAST for e in batch):
        return False
    questions = {e.data.get("question_id") for e in batch}
    numbers = [seq_of(e) for e in batch]
    return len(questions) == 1 and numbers == list(range(last + 1, last + 1 + len(batch)))


class Channel:
    def __init__(self, meeting_id: int, snapshot: Snapshot, broadcast: Broadcast) -> None:
        self.meeting_id = meeting_id
        self.snapshot = snapshot
        self.broadcast = broadcast
        self.pending: list[Event] = []
        self.ready = asyncio.Event()
        self.last = 0  # the highest sequence number the frames sent so far account for
        self.task: asyncio.Task[None] | None = None

    def push(self, event: Event) -> None:
        self.pending.append(event)
        self.ready.set()
        if self.task is None:
            self.task = asyncio.get_running_loop().create_task(self._run())

    def reset(self) -> None:
        """Forget what was sent: the next batch is answered with a full state."""
        self.last = 0

    async def _run(self) -> None:
        while True:
            await self.ready.wait()
            self.ready.clear()
            batch, self.pending = self.pending, []
            try:
                await self._send(batch)
            except Exception:
                # A failed read must not stop the stream; the tablets resync on the next one.
                log.exception("live channel of meeting %s failed", self.meeting_id)
                self.reset()

    async def _send(self, batch: list[Event]) -> None:
        fresh = sorted((e for e in batch if seq_of(e) > self.last), key=seq_of)
        if not fresh:
            return
        if is_tally_run(fresh, self.last):
            self.broadcast(self.meeting_id, frames.tally(self.meeting_id, fresh[-1], self.last))
            self.last = seq_of(fresh[-1])
            return
        state = await self.snapshot(self.meeting_id,
                                    any(e.kind in PRESENCE for e in fresh) or self.last == 0)
        if state is None:
            return
        self.broadcast(self.meeting_id, frames.state(self.meeting_id, state))
        self.last = max(int(state["seq"]), seq_of(fresh[-1]))

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
            self.task = None

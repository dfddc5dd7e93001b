"""One meeting's stream in one server process: events in, frames out, in order.

A single task per meeting takes whatever events arrived since it last ran, so a burst
of ballots becomes one message. When the batch is nothing but ballots that follow on
from what was sent, the message is a small ``tally`` carrying the count the last ballot's
transaction committed; anything else (or a gap in the numbers, e.g. events that arrived
out of order) is answered with a fresh ``state`` read once from the database, with the
member list only when presence changed (a tablet keeps the list it has otherwise). A batch
of nothing but presence changes (check-ins, tablets gone away or back), numbered straight
on, becomes a small ``presence`` frame: the seats whose line changed and the new quorum,
instead of the whole state with every member on it. Either way the frame is serialised
once and the same text goes to every watcher.
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
PRESENCE = frozenset(
    {EventKind.SESSION_CHECKED_IN, EventKind.ATTENDANCE_AWAY, EventKind.ATTENDANCE_BACK}
)
Broadcast = Callable[[int, str], None]


def follows_on(batch: list[Event], last: int) -> bool:
    numbers = [seq_of(e) for e in batch]
    return last != 0 and numbers == list(range(last + 1, last + 1 + len(batch)))


def is_tally_run(batch: list[Event], last: int) -> bool:
    """Only ballots on one question, numbered straight on from ``last``."""
    if any(e.kind != EventKind.BALLOT_CAST for e in batch):
        return False
    questions = {e.data.get("question_id") for e in batch}
    return len(questions) == 1 and follows_on(batch, last)


def is_presence_run(batch: list[Event], last: int) -> bool:
    """Only presence changes, numbered straight on from ``last``."""
    return all(e.kind in PRESENCE for e in batch) and follows_on(batch, last)


# What a presence change may move besides the member list: the quorum, and the open
# vote's count of members present (and its running count, which moves on its own).
_MOVED_BY_PRESENCE = ("seq", "quorum", "attendance")
_POLL_COUNTS = ("present", "cast")


def _unmoved(state: dict[str, Any]) -> dict[str, Any]:
    rest = {k: v for k, v in state.items() if k not in _MOVED_BY_PRESENCE}
    if state.get("poll") is not None:
        rest["poll"] = {k: v for k, v in state["poll"].items() if k not in _POLL_COUNTS}
    return rest


def presence_delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any] | None:
    """The seats whose line changed, the quorum and the open vote's counts; None when
    anything else changed too (then the whole state goes)."""
    if _unmoved(before) != _unmoved(after):
        return None
    old = {row["seat"]: row for row in before["attendance"]}
    new = {row["seat"]: row for row in after["attendance"]}
    if list(old) != list(new):
        return None
    poll = after["poll"]
    return {
        "quorum": after["quorum"],
        "seats": [row for seat, row in new.items() if old[seat] != row],
        "poll": None
        if poll is None
        else {"id": poll["id"], "present": poll["present"], "cast": poll["cast"]},
    }


class Channel:
    def __init__(self, meeting_id: int, snapshot: Snapshot, broadcast: Broadcast) -> None:
        self.meeting_id = meeting_id
        self.snapshot = snapshot
        self.broadcast = broadcast
        self.pending: list[Event] = []
        self.ready = asyncio.Event()
        self.last = 0  # the highest sequence number the frames sent so far account for
        # The state the frames sent so far add up to (member list included), which a
        # presence frame is the difference from; None: the next change sends a state.
        self.sent: dict[str, Any] | None = None
        self.task: asyncio.Task[None] | None = None

    def push(self, event: Event) -> None:
        self.pending.append(event)
        self.ready.set()
        if self.task is None:
            self.task = asyncio.get_running_loop().create_task(self._run())

    def reset(self) -> None:
        """Forget what was sent: the next batch is answered with a full state."""
        self.last = 0
        self.sent = None

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
        presence = any(e.kind in PRESENCE for e in fresh)
        state = await self.snapshot(
            self.meeting_id, presence or self.last == 0 or self.sent is None
        )
        if state is None:
            return
        seq = max(int(state["seq"]), seq_of(fresh[-1]))
        delta = None
        if self.sent is not None and is_presence_run(fresh, self.last):
            delta = presence_delta(self.sent, state)
        if delta is not None:
            self.broadcast(self.meeting_id, frames.presence(self.meeting_id, seq, self.last, delta))
        else:
            self.broadcast(self.meeting_id, frames.state(self.meeting_id, state))
        if "attendance" not in state and self.sent is not None:
            state = {**state, "attendance": self.sent["attendance"]}
        self.sent = state if "attendance" in state else None
        self.last = seq

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
            self.task = None

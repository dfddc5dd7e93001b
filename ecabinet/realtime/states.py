"""A meeting's live state, read once per change and shared by every tablet of this process.

When a whole room resyncs at once (the database came back, a process restarted), each
tablet asks for the snapshot. The state is the same for everyone who sees the whole
meeting and changes only with the meeting's event sequence number, so it is read from the
database once per number, by the first tablet to ask (the others wait for that read), and
serialised once per seat view: the whole meeting, or each distinct set of items a guest
may see (``seat_view``). One seat's view is never served to another kind of seat: the
key is the view. What only the viewer sees (``me``: their check-in, their own ballot) is
read for each request and never shared.

A change that does not number a meeting event (a person's name corrected, say) shows
after at most ``MAX_AGE`` seconds.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from ..actions import seat_view
from ..actions.access import load_meeting, meeting_access
from ..actions.live_state import personal, snapshot
from ..auth.actor import Actor
from ..models import Meeting

MAX_AGE = 5.0


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


@dataclass
class _Entry:
    seq: int
    at: float
    state: asyncio.Future[dict[str, Any]]
    texts: dict[seat_view.SeatView, tuple[dict[str, Any], str]] = field(default_factory=dict)


class StateCache:
    def __init__(
        self, *, max_age: float = MAX_AGE, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_age = max_age
        self.clock = clock
        self.entries: dict[int, _Entry] = {}
        self.reads = 0  # database reads of a whole state (the benchmark counts them)

    async def state(self, db: AsyncSession, meeting: Meeting) -> dict[str, Any]:
        """The meeting's whole live state (with its member list) as of ``meeting``."""
        assert meeting.id is not None
        entry = self._entry(meeting)
        if entry is not None:
            try:
                return await asyncio.shield(entry.state)
            except Exception:  # noqa: S110 - the first reader failed: read it ourselves
                pass
        entry = _Entry(meeting.event_seq, self.clock(), asyncio.get_running_loop().create_future())
        self.entries[meeting.id] = entry
        try:
            self.reads += 1
            state = await snapshot(db, meeting)
        except BaseException:
            # Failed or cancelled (its client went away): the waiters read for themselves.
            if self.entries.get(meeting.id) is entry:
                del self.entries[meeting.id]
            entry.state.set_exception(RuntimeError("the shared read did not finish"))
            entry.state.exception()  # retrieved: nobody need be told
            raise
        entry.state.set_result(state)
        return state

    def _entry(self, meeting: Meeting) -> _Entry | None:
        assert meeting.id is not None
        entry = self.entries.get(meeting.id)
        if entry is None or entry.seq != meeting.event_seq:
            return None
        if self.clock() - entry.at > self.max_age:
            return None
        return entry

    async def seat_state(
        self, db: AsyncSession, meeting: Meeting, view: seat_view.SeatView
    ) -> tuple[dict[str, Any], str]:
        """The state as seats of this view see it, and its JSON text."""
        assert meeting.id is not None
        state = await self.state(db, meeting)
        entry = self.entries.get(meeting.id)
        if entry is not None and entry.seq == meeting.event_seq and view in entry.texts:
            return entry.texts[view]
        scoped = seat_view.live_state_for(state, view)
        made = (scoped, _text(scoped))
        if entry is not None and entry.seq == meeting.event_seq:
            entry.texts[view] = made
        return made

    async def view(self, db: AsyncSession, actor: Actor, meeting_id: int) -> str:
        """The snapshot a tablet fetches (``live_state.view``), as JSON text: the shared
        state of its seat's view, and its own ``me``."""
        meeting = await load_meeting(db, meeting_id)
        access = await meeting_access(db, actor, meeting)
        state, text = await self.seat_state(db, meeting, access.view)
        me = await personal(db, meeting, actor, state)
        return f'{text[:-1]},"me":{_text(me)}}}'

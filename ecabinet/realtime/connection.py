"""One tablet's websocket: frames go out at once while the socket keeps up, and into a
bounded backlog while it does not.

A frame is sent by stepping the send coroutine by hand: on a socket whose buffer has room
(the usual case) it completes on the spot, so broadcasting to a thousand tablets costs a
thousand sends, not a thousand task switches. Only when a socket is full does the send
have to wait; it is then finished by a task of that tablet's own, later frames queue
behind it, and the broadcaster moves on: a tablet that stops reading holds up nobody.
When its backlog is full it is dropped and replaced by one ``resync``: the tablet will
fetch a snapshot instead of a stale history.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import deque
from collections.abc import Coroutine
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from ..actions.seat_view import SeatView
from ..auth.actor import Actor
from . import frames

GONE = (WebSocketDisconnect, RuntimeError, OSError)
CLOSE_WITHIN = 2.0


async def finish(coroutine: Coroutine[Any, Any, Any], waiting_on: Any) -> None:
    """Run to its end a coroutine that was started by hand and is waiting on a future."""
    try:
        while True:
            if waiting_on is None:
                await asyncio.sleep(0)
            else:
                await asyncio.wait({waiting_on})
            waiting_on = coroutine.send(None)
    except StopIteration:
        return
    finally:
        coroutine.close()


class Connection:
    def __init__(
        self, websocket: WebSocket, actor: Actor, *, limit: int, display_id: int | None = None
    ) -> None:
        self.id = str(uuid.uuid4())
        self.websocket = websocket
        self.actor = actor
        # A room display (a display seat) is nobody: no person, no body, no notices.
        self.display_id = display_id
        assert (actor.person_id is None) == (display_id is not None)
        self.person_id: int = actor.person_id or 0
        self.login_id = None if actor.login is None else actor.login.id
        self.bodies = frozenset(actor.memberships)
        self.meeting_id: int | None = None
        # What this tablet's seat sees of the meeting it watches (set by ``watch``).
        self.view: SeatView | None = None
        self.limit = limit
        self.queue: deque[str] = deque()
        self.dropped = 0
        self.closed = False
        self.last_heard = time.monotonic()
        self.busy: asyncio.Task[None] | None = None

    def offer(self, frame: str) -> None:
        if self.closed:
            return
        if self.busy is not None:
            self._queue(frame)
            return
        sending = self.websocket.send_text(frame)
        try:
            waiting_on = sending.send(None)
        except StopIteration:
            return  # sent
        except GONE:
            self.closed = True
            return
        self.busy = asyncio.get_running_loop().create_task(self._drain(sending, waiting_on))

    def _queue(self, frame: str) -> None:
        if len(self.queue) >= self.limit:
            self.queue.clear()
            self.queue.append(frames.RESYNC)
            self.dropped += 1
        else:
            self.queue.append(frame)

    async def _drain(self, sending: Coroutine[Any, Any, Any], waiting_on: Any) -> None:
        try:
            await finish(sending, waiting_on)
            while self.queue and not self.closed:
                await self.websocket.send_text(self.queue.popleft())
        except GONE:
            self.closed = True
        finally:
            self.busy = None

    async def close(self, code: int, reason: str = "") -> None:
        """Close, without waiting long on a socket that no longer reads."""
        if self.closed:
            return
        self.closed = True
        if self.busy is not None:
            self.busy.cancel()
        with contextlib.suppress(*GONE, TimeoutError):
            await asyncio.wait_for(self.websocket.close(code=code, reason=reason), CLOSE_WITHIN)

    async def stop(self) -> None:
        self.closed = True
        if self.busy is not None:
            self.busy.cancel()
            await asyncio.gather(self.busy, return_exceptions=True)
